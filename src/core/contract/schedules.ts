/**
 * Schedules stored in the broker (DESIGN §11), so every process that shares
 * it sees one list and fires each tick once, with no elected leader.
 *
 * The fire of a tick is one atomic compare-and-set in the broker: "if the
 * schedule still has revision `rev`, is not paused and its `lastAt` is
 * before `tick`, set `lastAt = tick` and enqueue the fire's job". Two
 * processes racing the same tick: one enqueues, the other changes nothing.
 * Because the stored `lastAt` only moves forward, a tick once fired can
 * never fire again — not even after its job finished and was pruned.
 */
import type { EnqueueRequest } from './jobs.js';

/** When a schedule fires: a cron expression or a fixed period. */
export type ScheduleTiming =
  { cron: string; every?: undefined; tz?: string | undefined } | { every: number; cron?: undefined; tz?: undefined };

/**
 * A schedule's definition as the broker stores it (plain JSON). `options`
 * are the job options of its fires (JSON form; no `delay`, `runAt`, `key`).
 */
export interface ScheduleDefinition {
  name: string;
  cron?: string | undefined;
  every?: number | undefined;
  tz?: string | undefined;
  /** False: a tick is skipped while the previous fire is still queued, delayed or active. */
  overlap: boolean;
  task: string;
  args: unknown[];
  options: Record<string, unknown>;
}

/** A stored schedule: its definition and its state. */
export interface ScheduleRecord extends ScheduleDefinition {
  /** Bumped on every replacement of the definition; a fire names the revision it computed its tick from. */
  rev: number;
  /** When the current definition was stored (epoch ms): no tick at or before it fires. */
  since: number;
  /** The last tick fired or skipped (epoch ms); undefined before the first. */
  lastAt?: number | undefined;
  /** The job of the last fire. */
  lastJobId?: string | undefined;
  paused: boolean;
}

/** What {@link ScheduleStore.putSchedule} did. */
export type SchedulePut = 'created' | 'replaced' | 'unchanged';

/** One tick to fire. */
export interface FireRequest {
  name: string;
  /** The revision the tick was computed from. */
  rev: number;
  /** The tick (epoch ms). */
  tick: number;
  /** The fire's job; its id derives from the schedule name and the tick. */
  job: EnqueueRequest;
}

/**
 * What a fire did: `fired` (the job was enqueued), `skipped` (overlap:
 * false and the previous fire still runs; the tick is spent), or `stale`
 * (someone else fired this tick or a later one, the schedule was paused,
 * replaced or removed: nothing changed).
 */
export type FireOutcome = 'fired' | 'skipped' | 'stale';

/**
 * The optional schedules part of a broker. A broker that has it declares it
 * by having every method; conformance tests of this part skip on brokers
 * without it, and an app on such a broker refuses `schedule()`.
 */
export interface ScheduleStore {
  /** Stores a definition: same definition again changes nothing, a new one replaces it (new `rev`, `since` = now, `lastAt` kept). */
  putSchedule(definition: ScheduleDefinition): Promise<SchedulePut>;
  /** Removes a schedule; false if there was none of that name. */
  removeSchedule(name: string): Promise<boolean>;
  /** Every schedule, by name. */
  listSchedules(): Promise<ScheduleRecord[]>;
  /** Pauses (true) or resumes (false) a schedule; false if there is none of that name. */
  pauseSchedule(name: string, paused: boolean): Promise<boolean>;
  /** Fires one tick atomically (see the module comment). */
  fireSchedule(request: FireRequest): Promise<FireOutcome>;
}

/** The job id of a schedule's fire at `tick`: the same in every process. */
export function fireJobId(name: string, tick: number): string {
  return `schedule:${name}:${tick}`;
}
