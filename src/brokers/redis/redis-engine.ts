import { BrokerError, ClosedError } from '../../core/errors.js';
import type { BrokerReport } from '../../core/report.js';
import type { JobSnapshot, StoredJobOptions } from '../contract.js';
import { checkDurability } from './durability-check.js';
import { EventChannel } from './event-channel.js';
import type { JobFields } from './job-snapshot.js';
import { fieldsOf, toSnapshot } from './job-snapshot.js';
import type { ResolvedRedisOptions } from './options.js';
import { redact } from './options.js';
import { OutageGuard } from './outage-guard.js';
import type { RedisClient } from './redis-clients.js';
import { createClient } from './redis-clients.js';
import { parseEntry, parseHistory } from './report-log.js';
import { RecentJobs } from './recent-jobs.js';
import { ReportWatchers } from './report-watchers.js';
import type { ScriptName, ScriptReply } from './scripts.js';
import { ScriptRunner } from './scripts.js';
import { OptionsTable } from './stored-values.js';
import { Watchdog } from './watchdog.js';
import { CoalescedSignal, ListenerSet } from '../../core/listener-set.js';

const OWNER = 'drover redis broker';

/** Listeners of one broker instance. Calls are guarded: a throwing listener is warned about, never fatal. */
export class Listeners {
  readonly ready = new CoalescedSignal(OWNER);
  readonly cancel = new ListenerSet<[jobId: string]>(OWNER);
  readonly report = new ListenerSet<[report: BrokerReport]>(OWNER);

  /** Jobs may have become leasable; coalesced to one call per turn. */
  fireReady(): void {
    this.ready.fire();
  }

  fireCancel(jobId: string): void {
    this.cancel.emit(jobId);
  }

  fireReport(report: BrokerReport): void {
    this.report.emit(report);
  }
}

const warned = new Set<string>();

/** Warns once per process per distinct message (a fleet of brokers on one Redis says it once). */
export function warnOnce(message: string): void {
  if (warned.has(message)) return;
  if (warned.size > 100) warned.clear();
  warned.add(message);
  process.emitWarning(`drover redis broker: ${message}`);
}

/**
 * The connected state of one Redis broker: a command connection (scripts,
 * reads), a subscriber on the prefix's event channel, the outage bound, the
 * watchdog and the watchers. The broker facade makes one on `connect()`.
 */
export class RedisEngine {
  readonly options: ResolvedRedisOptions;
  /** Key prefix, hash-tagged: `{prefix}:`. */
  readonly kp: string;
  readonly where: string;
  readonly client: RedisClient;
  readonly guard: OutageGuard;
  readonly optionsTable = new OptionsTable();
  readonly watchers: ReportWatchers;
  /** Jobs this instance just enqueued one by one, for `watch()` without a round trip. */
  readonly recent: RecentJobs;
  readonly listeners: Listeners;
  /** Queues this instance has registered in the queue set. */
  readonly knownQueues = new Set<string>();
  /** Active jobs this instance cancelled itself (told at once; the channel's echo is skipped). */
  readonly ownCancels = new Set<string>();
  readonly #runner: ScriptRunner;
  readonly #subscriber: RedisClient;
  #channel: EventChannel | undefined;
  #watchdog: Watchdog | undefined;
  #closed = false;

  private constructor(
    options: ResolvedRedisOptions,
    client: RedisClient,
    subscriber: RedisClient,
    listeners: Listeners,
  ) {
    this.options = options;
    this.kp = `{${options.prefix}}:`;
    this.where = redact(options.url);
    this.client = client;
    this.#subscriber = subscriber;
    this.listeners = listeners;
    this.guard = new OutageGuard(options.outageTimeout, this.where);
    this.#runner = new ScriptRunner(client, this.kp);
    this.watchers = new ReportWatchers((id) => this.history(id));
    this.recent = new RecentJobs(Math.min(60_000, options.resultTtl / 2));
    client.on('close', () => this.guard.lost());
    client.on('ready', () => {
      this.guard.restored();
      this.optionsTable.forgetStored();
      this.knownQueues.clear();
    });
    // ioredis reports connection errors as events while it reconnects; the guard and the callers see the outcome.
    client.on('error', () => {});
    subscriber.on('error', () => {});
  }

  /** Connects both connections, checks durability and subscribes. Rejects with BrokerError/ConfigError. */
  static async open(options: ResolvedRedisOptions, listeners: Listeners): Promise<RedisEngine> {
    const client = await createClient(options, 'commands');
    const subscriber = await createClient(options, 'events');
    const engine = new RedisEngine(options, client, subscriber, listeners);
    try {
      await client.connect();
    } catch (error) {
      client.disconnect();
      subscriber.disconnect();
      throw new BrokerError(`Cannot reach Redis at ${engine.where}: ${(error as Error).message}`, { cause: error });
    }
    try {
      await checkDurability(client, engine.where, options.allowEviction, warnOnce);
      await engine.#subscribe();
    } catch (error) {
      client.disconnect();
      subscriber.disconnect();
      throw error;
    }
    return engine;
  }

  async #subscribe(): Promise<void> {
    const l = this.listeners;
    const channel = new EventChannel(this.#subscriber, `${this.kp}ev`, {
      ready: () => l.fireReady(),
      cancelled: (id) => {
        if (!this.ownCancels.delete(id)) l.fireCancel(id);
      },
      report: (id, entry) => {
        const parsed = parseEntry(id, entry, this.options.codec);
        if (!parsed) return;
        this.recent.record(id, parsed);
        this.watchers.publish(id, parsed);
      },
      heartbeat: (token) => this.#watchdog?.heard(token),
      resubscribed: () => {
        this.recent.clear();
        l.fireReady();
        this.watchers.catchUpAll();
        setTimeout(() => this.watchers.catchUpAll(), 250).unref();
      },
    });
    await channel.start();
    this.#channel = channel;
    const subscriber = this.#subscriber;
    this.#watchdog = new Watchdog(
      {
        ping: () => this.client.ping(),
        publishHeartbeat: (token) => this.client.publish(`${this.kp}ev`, `h${token}`),
        commandsUp: () => this.client.status === 'ready',
        subscriberUp: () => subscriber.status === 'ready',
        reconnectCommands: () => this.client.disconnect(true),
        reconnectSubscriber: () => channel.reconnect(),
      },
      this.options.watchdogInterval,
    );
  }

  /** Runs a script under the outage bound. */
  run(name: ScriptName, args: readonly (string | number)[]): Promise<ScriptReply> {
    if (this.#closed) return Promise.reject(new ClosedError('redis broker'));
    return this.guard.run(this.#runner.run(name, args));
  }

  /** A job's whole history (marking it watched), or undefined if unknown. */
  async history(id: string): Promise<ReturnType<typeof parseHistory> | undefined> {
    const reply = (await this.run('watch', [id])) as string[] | null;
    return reply === null ? undefined : parseHistory(id, reply, this.options.codec);
  }

  /** Options by reference, fetching the unknown ones in one round trip. */
  async resolveOptions(refs: Iterable<string>): Promise<void> {
    const missing = [...new Set(refs)].filter((ref) => this.optionsTable.known(ref) === undefined);
    if (missing.length === 0) return;
    const values = await this.guard.run(this.client.hmget(`${this.kp}opts`, ...missing));
    missing.forEach((ref, i) => {
      const json = values[i];
      if (json) this.optionsTable.remember(ref, json);
    });
  }

  /** The options of a reference once resolved (a job whose options vanished gets the defaults of none). */
  optionsOf(ref: string | undefined): StoredJobOptions {
    return (
      (ref === undefined ? undefined : this.optionsTable.known(ref)) ?? {
        retries: 0,
        backoff: { type: 'fixed', delay: 0, max: 0 },
      }
    );
  }

  /** Snapshots of jobs by id, in order; unknown ids are left out. */
  async snapshots(ids: readonly string[]): Promise<JobSnapshot[]> {
    if (ids.length === 0) return [];
    const pipeline = this.client.pipeline();
    for (const id of ids) pipeline.hgetall(`${this.kp}j:${id}`);
    const replies = (await this.guard.run(pipeline.exec())) ?? [];
    const found: { id: string; fields: JobFields }[] = [];
    replies.forEach(([error, value], i) => {
      if (error) throw error;
      const fields = value as JobFields;
      if (fields.t !== undefined) found.push({ id: ids[i]!, fields });
    });
    await this.resolveOptions(found.map((f) => f.fields.o!).filter((o) => o !== undefined));
    return found.map(({ id, fields }) => toSnapshot(id, fields, this.options.codec, this.optionsOf(fields.o)));
  }

  /** A snapshot from a flat HGETALL-style reply. */
  async snapshotOf(id: string, flat: string[]): Promise<JobSnapshot> {
    const fields = fieldsOf(flat);
    if (fields.o !== undefined) await this.resolveOptions([fields.o]);
    return toSnapshot(id, fields, this.options.codec, this.optionsOf(fields.o));
  }

  /** Closes both connections; commands still waiting fail with ClosedError. */
  async close(): Promise<void> {
    this.#watchdog?.stop();
    this.#channel?.stop();
    // Let outcomes batched this turn go out before QUIT (which waits for every reply).
    await new Promise((resolve) => setImmediate(resolve));
    this.#closed = true;
    const quit = this.client.quit().catch(() => undefined);
    const timeout = new Promise((resolve) => setTimeout(resolve, 2000).unref());
    await Promise.race([quit, timeout]);
    this.client.disconnect();
    this.guard.abort(new ClosedError('redis broker'));
  }
}
