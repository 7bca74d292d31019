/**
 * The ticker every app runs when its broker keeps schedules: it reads the
 * stored list, fires each schedule's latest due tick through the broker's
 * atomic compare-and-set, and sleeps until the earliest next tick — never
 * longer than `refreshMs`, so schedules added by other processes are seen.
 * Any number of processes may run one on the same broker: the broker lets
 * exactly one fire of a tick through (see `contract/schedules.ts`).
 *
 * States: idle ──start()──▶ running ⇄ sleeping ──stop()──▶ stopped.
 */
import type { EnqueueRequest, FireOutcome, ScheduleRecord, ScheduleStore } from './contract/index.js';
import { definitionJson } from './contract/schedule-rules.js';
import { ticksOf } from './schedule-definition.js';
import type { Ticks } from './schedule-timing.js';

/** What the ticker needs from its app. */
export interface TickerHost {
  /** The broker's schedule store, or undefined once the app is closing. */
  store(): ScheduleStore | undefined;
  /** The job of a fire at `tick`. */
  request(record: ScheduleRecord, tick: number): EnqueueRequest;
  /** A fire went through (or was skipped for overlap). */
  fired(record: ScheduleRecord, tick: number, outcome: FireOutcome): void;
  /** A read or a fire failed; the ticker goes on after `refreshMs`. */
  error(error: unknown): void;
}

/** The ticks of each schedule, kept while its definition is unchanged (bounded by the stored list). */
export class TicksCache {
  #byName = new Map<string, { json: string; ticks: Ticks }>();

  /** The ticks of a record, or undefined when its definition no longer parses (logged by the caller). */
  get(record: ScheduleRecord): Ticks {
    const json = definitionJson(record);
    const hit = this.#byName.get(record.name);
    if (hit?.json === json) return hit.ticks;
    const ticks = ticksOf(record);
    this.#byName.set(record.name, { json, ticks });
    return ticks;
  }

  /** Forgets schedules that are no longer stored. */
  keepOnly(names: ReadonlySet<string>): void {
    for (const name of this.#byName.keys()) if (!names.has(name)) this.#byName.delete(name);
  }
}

/**
 * When a schedule fires next: its latest tick at or before `now` if that is
 * not fired yet (it is due now), else its first tick after `now`. Undefined
 * when paused or when its cron never fires again.
 */
export function nextAtOf(record: ScheduleRecord, ticks: Ticks, now: number): number | undefined {
  if (record.paused) return undefined;
  const baseline = Math.max(record.since, record.lastAt ?? -Infinity);
  const latest = ticks.latest(now);
  if (latest !== undefined && latest > baseline) return latest;
  return ticks.next(Math.max(baseline, now));
}

/** Fires the due ticks of the stored schedules; see the module comment. */
export class ScheduleTicker {
  readonly #host: TickerHost;
  readonly #refreshMs: number;
  readonly #cache = new TicksCache();
  /** The last tick this ticker tried per schedule, so a tick refused as stale is not tried in a loop. */
  readonly #tried = new Map<string, number>();
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #again = false;
  #stopped = false;

  constructor(host: TickerHost, refreshMs: number) {
    this.#host = host;
    this.#refreshMs = refreshMs;
  }

  /** Starts ticking (now). */
  start(): void {
    this.poke();
  }

  /** Reads the list again now (a schedule was added or changed in this process). */
  poke(): void {
    if (this.#stopped) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#sleep(0);
  }

  /** Stops ticking; resolves once a round in progress has finished. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#running;
  }

  #sleep(ms: number): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#running = this.#round().finally(() => (this.#running = undefined));
    }, ms).unref();
  }

  async #round(): Promise<void> {
    let wait = this.#refreshMs;
    try {
      wait = await this.#fireDue();
    } catch (error) {
      if (!this.#stopped) this.#host.error(error);
    }
    if (this.#stopped) return;
    if (this.#again) {
      this.#again = false;
      wait = 0;
    }
    this.#sleep(wait);
  }

  /** One round: fires what is due; returns how long to sleep. */
  async #fireDue(): Promise<number> {
    const store = this.#host.store();
    if (!store) return this.#refreshMs;
    const records = await store.listSchedules();
    const names = new Set(records.map((r) => r.name));
    this.#cache.keepOnly(names);
    for (const name of this.#tried.keys()) if (!names.has(name)) this.#tried.delete(name);
    const now = Date.now();
    let earliest = now + this.#refreshMs;
    const fires: Promise<void>[] = [];
    for (const record of records) {
      if (record.paused) continue;
      let ticks: Ticks;
      try {
        ticks = this.#cache.get(record);
      } catch (error) {
        this.#host.error(error);
        continue;
      }
      const tried = this.#tried.get(record.name);
      const seen = { ...record, lastAt: Math.max(record.lastAt ?? -Infinity, tried ?? -Infinity) };
      const at = nextAtOf(seen, ticks, now);
      if (at === undefined) continue;
      if (at <= now) {
        this.#tried.set(record.name, at);
        fires.push(this.#fire(store, record, at));
        const after = ticks.next(now);
        if (after !== undefined) earliest = Math.min(earliest, after);
      } else earliest = Math.min(earliest, at);
    }
    await Promise.all(fires);
    return Math.max(0, earliest - Date.now());
  }

  async #fire(store: ScheduleStore, record: ScheduleRecord, tick: number): Promise<void> {
    let outcome: FireOutcome;
    try {
      outcome = await store.fireSchedule({
        name: record.name,
        rev: record.rev,
        tick,
        job: this.#host.request(record, tick),
      });
    } catch (error) {
      // Not fired here: the next round tries the tick again (the broker still refuses a second fire of it).
      if (this.#tried.get(record.name) === tick) this.#tried.delete(record.name);
      throw error;
    }
    if (outcome !== 'stale') this.#host.fired(record, tick, outcome);
  }
}
