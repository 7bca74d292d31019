/**
 * Schedules of the memory broker: a map by name, decided by the shared
 * rules (`core/contract/schedule-rules.ts`). A fire advances `lastAt`
 * before it yields, so two fires of one tick in this process cannot both
 * enqueue.
 */
import type {
  EnqueueRequest,
  EnqueueResult,
  FireOutcome,
  FireRequest,
  ScheduleDefinition,
  SchedulePut,
  ScheduleRecord,
} from '../../core/contract/index.js';
import { fireOutcome, putRecord } from '../../core/contract/schedule-rules.js';

/** The schedule store of one memory broker. */
export class MemorySchedules {
  readonly #records = new Map<string, ScheduleRecord>();

  put(definition: ScheduleDefinition): SchedulePut {
    const { record, put } = putRecord(this.#records.get(definition.name), definition, Date.now());
    this.#records.set(definition.name, record);
    return put;
  }

  remove(name: string): boolean {
    return this.#records.delete(name);
  }

  list(): ScheduleRecord[] {
    return [...this.#records.values()].sort((a, b) => (a.name < b.name ? -1 : 1)).map((r) => ({ ...r }));
  }

  pause(name: string, paused: boolean): boolean {
    const record = this.#records.get(name);
    if (!record) return false;
    // A resume starts from now: ticks missed while paused do not fire.
    if (record.paused && !paused) record.since = Math.max(record.since, Date.now());
    record.paused = paused;
    return true;
  }

  /** Fires a tick: `enqueue` runs only when the rules allow, after `lastAt` moved (put back if it rejects). */
  async fire(
    request: FireRequest,
    stillRuns: (jobId: string) => boolean,
    enqueue: (jobs: EnqueueRequest[]) => Promise<EnqueueResult[]>,
  ): Promise<FireOutcome> {
    const record = this.#records.get(request.name);
    const outcome = fireOutcome(record, request, stillRuns);
    if (outcome === 'stale') return outcome;
    const before = { lastAt: record!.lastAt, lastJobId: record!.lastJobId };
    record!.lastAt = request.tick;
    if (outcome === 'skipped') return outcome;
    record!.lastJobId = request.job.id;
    try {
      await enqueue([request.job]);
    } catch (error) {
      Object.assign(record!, before);
      throw error;
    }
    return outcome;
  }
}
