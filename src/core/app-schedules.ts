/**
 * The app's schedules (DESIGN §11): `schedule`, `unschedule`, `schedules`,
 * pause and resume, over the broker's {@link ScheduleStore}, and the
 * ticker that fires them. The app holds one and delegates to it.
 */
import type { Logger } from 'pino';
import type {
  Broker,
  EnqueueRequest,
  FireOutcome,
  ScheduleDefinition,
  ScheduleRecord,
  SchedulePut,
  ScheduleStore,
} from './contract/index.js';
import { fireJobId } from './contract/index.js';
import { ConfigError } from './errors.js';
import type { DroverMetrics } from '../metrics/metrics.js';
import type { JobOptions } from './options-table.js';
import { jobOptionsFromJson } from './options-table.js';
import { resolveJobOptions, toEnqueueRequest } from './options.js';
import { checkSchedule } from './schedule-definition.js';
import type { ScheduleSpec } from './schedule-definition.js';
import { nextAtOf, ScheduleTicker, TicksCache } from './schedule-ticker.js';
import type { TaskDefinition } from './task.js';
import { checkName } from './validate.js';

/** One schedule as `app.schedules()` lists it: its definition (job options in JSON form) and its state. */
export interface ScheduleInfo extends ScheduleDefinition {
  /** When it fires next (epoch ms; at or before now = due now); undefined when paused or never again. */
  nextAt?: number | undefined;
  /** The last tick fired or skipped (epoch ms); undefined before the first. */
  lastAt?: number | undefined;
  /** The job of the last fire. */
  lastJobId?: string | undefined;
  paused: boolean;
}

/** Options of the app's schedule ticker. */
export interface SchedulerOptions {
  /** Longest sleep between two reads of the stored list (ms): how soon schedules added elsewhere are seen. @default 2000 */
  refreshMs?: number;
}

/** What the schedules facade needs from its app. */
export interface SchedulesHost {
  broker(): Promise<Broker>;
  readonly logger: Logger;
  readonly metrics: DroverMetrics;
  getTask(name: string): TaskDefinition | undefined;
}

/** True when the broker keeps schedules (every method of {@link ScheduleStore}). */
export function hasScheduleStore(broker: Broker): broker is Broker & ScheduleStore {
  return (
    typeof broker.putSchedule === 'function' &&
    typeof broker.removeSchedule === 'function' &&
    typeof broker.listSchedules === 'function' &&
    typeof broker.pauseSchedule === 'function' &&
    typeof broker.fireSchedule === 'function'
  );
}

/** The app's schedules; see the module comment. */
export class AppSchedules {
  readonly #host: SchedulesHost;
  readonly #cache = new TicksCache();
  #ticker: ScheduleTicker | undefined;
  #stopped = false;

  constructor(host: SchedulesHost) {
    this.#host = host;
  }

  /** Starts the ticker on a connected broker that keeps schedules. */
  start(broker: Broker, options: SchedulerOptions): void {
    if (!hasScheduleStore(broker) || this.#ticker || this.#stopped) return;
    const host = this.#host;
    this.#ticker = new ScheduleTicker(
      {
        store: () => (this.#stopped ? undefined : broker),
        request: (record, tick) => this.#request(record, tick),
        fired: (record, tick, outcome) => this.#fired(record, tick, outcome),
        error: (error) => host.logger.warn({ err: error }, 'schedule ticker: a round failed; trying again'),
      },
      options.refreshMs ?? 2000,
    );
    this.#ticker.start();
  }

  /** Stops the ticker (app close); resolves once a round in progress has finished. */
  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#ticker?.stop();
  }

  /** Stores a schedule (an upsert by name). */
  async schedule(
    name: string,
    spec: ScheduleSpec,
    task: string,
    args: unknown[],
    jobOptions?: JobOptions,
  ): Promise<SchedulePut> {
    const { definition } = checkSchedule(name, spec, task, args, jobOptions);
    const put = await (await this.#store()).putSchedule(definition);
    if (put !== 'unchanged') this.#ticker?.poke();
    return put;
  }

  /** Removes a schedule; false if unknown. */
  async unschedule(name: string): Promise<boolean> {
    checkName('name', name);
    return (await this.#store()).removeSchedule(name);
  }

  /** Pauses (true) or resumes (false) a schedule; false if unknown. */
  async pause(name: string, paused: boolean): Promise<boolean> {
    checkName('name', name);
    const found = await (await this.#store()).pauseSchedule(name, paused);
    if (found && !paused) this.#ticker?.poke();
    return found;
  }

  /** Every stored schedule with its next and last fire. */
  async list(): Promise<ScheduleInfo[]> {
    const records = await (await this.#store()).listSchedules();
    this.#cache.keepOnly(new Set(records.map((r) => r.name)));
    const now = Date.now();
    return records.map((record) => {
      const { rev: _rev, since: _since, ...info } = record;
      let nextAt: number | undefined;
      try {
        nextAt = nextAtOf(record, this.#cache.get(record), now);
      } catch {
        nextAt = undefined;
      }
      return { ...info, nextAt };
    });
  }

  async #store(): Promise<ScheduleStore> {
    const broker = await this.#host.broker();
    if (!hasScheduleStore(broker))
      throw new ConfigError(`The ${broker.name} broker keeps no schedules (see docs/scheduling.md for those that do)`);
    return broker;
  }

  #request(record: ScheduleRecord, tick: number): EnqueueRequest {
    // A fire runs at its tick under its own id: the task's delay, runAt and key do not apply.
    const { delay: _delay, runAt: _runAt, key: _key, ...taskOptions } = this.#host.getTask(record.task)?.options ?? {};
    const resolved = resolveJobOptions(record.task, taskOptions, jobOptionsFromJson(record.options));
    return toEnqueueRequest(fireJobId(record.name, tick), record.task, record.args, resolved);
  }

  #fired(record: ScheduleRecord, tick: number, outcome: FireOutcome): void {
    if (outcome === 'fired') this.#host.metrics.scheduleFired(record.name);
    this.#host.logger.debug({ schedule: record.name, tick, outcome }, 'schedule tick');
  }
}
