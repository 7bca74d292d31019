import { BrokerError, ClosedError, ConfigError } from '../../../core/errors.js';
import type { ErrorInfo } from '../../../core/errors.js';
import type { JobStatus } from '../../../core/report.js';
import type {
  CancelResult,
  FireOutcome,
  FireRequest,
  ListJobsQuery,
  QueueCounts,
  QueueLimits,
  QueueSettings,
  QueueSettingsPatch,
  ScheduleDefinition,
  SchedulePut,
  ScheduleRecord,
} from '../../contract.js';
import { checkDurability } from '../../redis/durability-check.js';
import { fieldsOf } from '../../redis/job-snapshot.js';
import { redact } from '../../redis/options.js';
import { OutageGuard } from '../../redis/outage-guard.js';
import type { RedisClient } from '../../redis/redis-clients.js';
import { createClient } from '../../redis/redis-clients.js';
import { BROKER_SCRIPTS, ScriptRunner, ScriptSet } from '../../redis/scripts.js';
import { loadBytes, storeBytes } from '../../redis/stored-values.js';
import type {
  BackendLease,
  Changed,
  ClaimOutcome,
  ExpiredLease,
  InsertResult,
  JobRecord,
  NewJob,
  NextTicket,
  RecordPage,
  ReportRecord,
  ResultBackend,
  Stored,
  TicketRef,
} from '../backend.js';
import type { FlowLink } from '../../contract.js';
import { DELAY_SLACK_MS, checkListQuery, errorJson, leaseExpired, parseOptions } from '../backend-rules.js';
import { freshToken } from '../tokens.js';
import type { FlowCommit, FlowVerdict, StoredFlowRecord } from '../backend-flows.js';
import * as flows from './flows.js';
import type { RedisFlowsHost } from './flows.js';
import * as redisSchedules from '../../redis/schedules.js';
import type { ScheduleEngine } from '../../redis/schedules.js';
import { SCHEDULES_PREFIX, fireSchedule } from './schedules.js';
import { FLOW_SCRIPTS, RedisFlowControl } from './flow-control.js';
import type { RedisBackendOptions } from './options.js';
import { AckBatcher } from './ack-batcher.js';
import type { Reply } from './records.js';
import { toNotes, toRecord, toReportRecord } from './records.js';

const NAMES = [
  'insert',
  'claim',
  'ack',
  'nack',
  'progress',
  'extend',
  'release',
  'expired',
  'expire',
  'prune',
  'cancel',
  'rerun',
  'history',
  'list',
  'counts',
  'fstart',
  'fcommit',
  'sfire',
  ...FLOW_SCRIPTS,
] as const;
type Name = (typeof NAMES)[number];

/** The backend's scripts (`lua/*.lua`, each opening with its KEYS/ARGV header). */
const SCRIPTS = new ScriptSet('drover amqp redis backend', import.meta.url, 'brokers/amqp/redis-backend/lua/', NAMES);

/** Most values sent in one script call (a batch is split beyond it). */
const MAX_ARGS = 6000;

const warned = new Set<string>();
function warnOnce(message: string): void {
  if (warned.has(message)) return;
  if (warned.size > 100) warned.clear();
  warned.add(message);
  process.emitWarning(`drover amqp broker: ${message}`);
}

/**
 * The Redis result backend (ioredis, loaded when used): every change is one
 * Lua script (`lua/*.lua`), atomic; keys are `{prefix}:…`, hash-tagged, so a
 * Cluster keeps them in one slot. Several processes on many machines share
 * it. Semantics are the SQLite backend's (see `backend.ts`); times are
 * Redis's clock. Memory stays bounded: finished jobs are pruned after
 * `resultTtl`, progress reports are capped per job.
 *
 * States: created ──open()──▶ open ──close()──▶ closed.
 */
export class RedisBackend implements ResultBackend {
  readonly label: string;
  readonly #o: RedisBackendOptions;
  /** Key prefix, hash-tagged: `{prefix}:`. */
  readonly #kp: string;
  readonly #guard: OutageGuard;
  #client: RedisClient | undefined;
  #runner: ScriptRunner<Name> | undefined;
  #closed = false;
  readonly #flows: RedisFlowsHost;
  /** The Redis broker's schedule scripts and listing, under `{prefix}:sc:`. */
  #schedules: ScheduleEngine | undefined;
  readonly #acks = new AckBatcher(async (args) => (await this.#run('ack', [this.#o.resultTtl, ...args])) as Reply[]);
  readonly #flow = new RedisFlowControl({
    run: (name, args) => this.#run(name, args),
    stored: async (queue) => (await this.#do(this.#c().hget(`${this.#kp}qset`, queue))) ?? '',
  });

  constructor(options: RedisBackendOptions) {
    this.#o = options;
    this.#kp = `{${options.redis.prefix}}:`;
    this.label = `${redact(options.redis.url)} (prefix ${options.redis.prefix})`;
    this.#guard = new OutageGuard(options.redis.outageTimeout, redact(options.redis.url));
    this.#flows = {
      resultTtl: options.resultTtl,
      run: (name, args) => this.#run(name, args),
      fieldsOf: (id, names) => this.#do(this.#c().hmget(`${this.#kp}j:${id}`, ...names)),
    };
  }

  async open(): Promise<void> {
    if (this.#client) return;
    let client: RedisClient;
    try {
      client = await createClient(this.#o.redis, 'amqp-backend');
    } catch (error) {
      throw new BrokerError(`Could not load ioredis for the ${this.label} backend: ${String(error)}`, {
        cause: error,
      });
    }
    client.on('close', () => this.#guard.lost());
    client.on('ready', () => this.#guard.restored());
    // ioredis reports connection errors as events while it reconnects; callers see the outcome.
    client.on('error', () => {});
    try {
      await client.connect();
      await checkDurability(client, redact(this.#o.redis.url), this.#o.redis.allowEviction, warnOnce);
      this.#runner = new ScriptRunner(client, this.#kp, SCRIPTS);
      const kp = `${this.#kp}${SCHEDULES_PREFIX}`;
      const runner = new ScriptRunner(client, kp, BROKER_SCRIPTS);
      this.#schedules = { client, kp, guard: this.#guard, run: (name, args) => this.#do(runner.run(name, args)) };
    } catch (error) {
      client.disconnect();
      if (error instanceof ConfigError) throw error;
      throw new BrokerError(`Could not open the result backend ${this.label}: ${(error as Error).message}`, {
        cause: error,
      });
    }
    this.#client = client;
  }

  async close(): Promise<void> {
    const client = this.#client;
    if (!client || this.#closed) return;
    this.#closed = true;
    const quit = client.quit().catch(() => undefined);
    await Promise.race([quit, new Promise((resolve) => setTimeout(resolve, 2000).unref())]);
    client.disconnect();
    this.#guard.abort(new ClosedError(this.label));
  }

  async liveKeys(keys: readonly string[]): Promise<Map<string, InsertResult>> {
    const unique = [...new Set(keys)];
    const found = new Map<string, InsertResult>();
    if (unique.length === 0) return found;
    const ids = await this.#do(this.#c().hmget(`${this.#kp}keys`, ...unique));
    const held = unique.map((key, i) => ({ key, id: ids[i] })).filter((h): h is { key: string; id: string } => !!h.id);
    if (held.length === 0) return found;
    const pipeline = this.#c().pipeline();
    for (const { id } of held) pipeline.hget(`${this.#kp}j:${id}`, 's');
    const statuses = await this.#do(pipeline.exec());
    held.forEach(({ key, id }, i) => {
      const status = statuses?.[i]?.[1] as JobStatus | null;
      if (status === 'queued' || status === 'delayed' || status === 'active')
        found.set(key, { id, status, duplicate: true });
    });
    return found;
  }

  async insert(jobs: readonly NewJob[]): Promise<Changed<InsertResult[]>> {
    const out: Changed<InsertResult[]> = { value: [], notes: [] };
    for (const part of chunks(jobs, MAX_ARGS / 12)) {
      const args: (string | number)[] = [];
      for (const job of part) {
        args.push(job.id, job.task, job.queue, storeBytes(job.args), job.priority, job.createdAt, job.runAt);
        args.push(job.delayed ? '1' : '', job.key ?? '', JSON.stringify(job.options), job.options.retries, job.nonce);
      }
      const [flat, notes] = (await this.#run('insert', args)) as [Reply[], Reply[]];
      for (let i = 0; i < flat.length; i += 3) {
        out.value.push({ id: flat[i] as string, status: flat[i + 1] as JobStatus, duplicate: flat[i + 2] === 1 });
      }
      out.notes.push(...toNotes(notes));
    }
    return out;
  }

  startFlow(flow: NewJob, graph: Stored, first: readonly NewJob[]): Promise<Changed<InsertResult>> {
    return flows.startFlow(this.#flows, flow, graph, first);
  }

  readFlow(id: string): Promise<StoredFlowRecord | undefined> {
    return flows.readFlow(this.#flows, id);
  }

  flowLink(id: string): Promise<FlowLink | undefined> {
    return flows.flowLink(this.#flows, id);
  }

  commitFlow(change: FlowCommit): Promise<Changed<FlowVerdict>> {
    return flows.commitFlow(this.#flows, change);
  }

  async putSchedule(definition: ScheduleDefinition): Promise<SchedulePut> {
    return redisSchedules.putSchedule(this.#sched(), definition);
  }

  async removeSchedule(name: string): Promise<boolean> {
    return redisSchedules.removeSchedule(this.#sched(), name);
  }

  async listSchedules(): Promise<ScheduleRecord[]> {
    return redisSchedules.listSchedules(this.#sched());
  }

  async pauseSchedule(name: string, paused: boolean): Promise<boolean> {
    return redisSchedules.pauseSchedule(this.#sched(), name, paused);
  }

  fireSchedule(request: FireRequest, job: NewJob): Promise<Changed<FireOutcome>> {
    return fireSchedule((name, args) => this.#run(name, args), request, job);
  }

  /** The schedules' engine (throws when not open: the async callers reject). */
  #sched(): ScheduleEngine {
    if (!this.#schedules || this.#closed) throw this.#notOpen();
    return this.#schedules;
  }

  async claim(
    tickets: readonly TicketRef[],
    leaseMs: number,
    workerId: string | undefined,
  ): Promise<Changed<ClaimOutcome[]>> {
    const out: Changed<ClaimOutcome[]> = { value: [], notes: [] };
    for (const part of chunks(tickets, MAX_ARGS / 5)) {
      const args: (string | number)[] = [leaseMs, workerId ?? '', this.#o.resultTtl, DELAY_SLACK_MS];
      const tokens = part.map(() => freshToken());
      part.forEach((t, i) => args.push(t.id, t.gen, t.nonce, tokens[i]!, t.redelivered ? leaseExpired(t.id).json : ''));
      const [flat, notes, now] = (await this.#run('claim', args)) as [Reply[], Reply[], number];
      // Takeover reports first: a job's `retrying` comes before its `active`.
      for (const note of toNotes(notes)) out.notes.push(note);
      for (let i = 0; i < part.length; i++) {
        const at = i * 8;
        const kind = flat[at] as 'claimed' | 'gated' | 'stale' | 'future' | 'held';
        if (kind === 'held') {
          out.value.push({ kind, retryInMs: flat[at + 1] === '' ? undefined : Number(flat[at + 1]) });
          continue;
        }
        if (kind !== 'claimed' && kind !== 'gated') {
          out.value.push({ kind });
          continue;
        }
        const id = part[i]!.id;
        const task = flat[at + 1] as string;
        const queue = flat[at + 2] as string;
        const attempt = Number(flat[at + 4]);
        const claimed: ClaimOutcome = {
          kind: 'claimed',
          job: {
            id,
            task,
            queue,
            args: loadBytes(flat[at + 3] as string),
            attempt,
            options: parseOptions(flat[at + 5] as string),
            token: tokens[i]!,
            expiresAt: Number(flat[at + 6]),
          },
        };
        if (kind === 'gated') claimed.gated = true;
        out.value.push(claimed);
        const n = flat[at + 7];
        if (n !== '')
          out.notes.push({ id, task, queue, n: Number(n), status: 'active', attempt, at: now, error: undefined });
      }
    }
    return out;
  }

  getQueueSettings(queue: string): Promise<QueueSettings> {
    return this.#flow.settings(queue);
  }

  setQueueSettings(queue: string, patch: QueueSettingsPatch): Promise<QueueSettings> {
    return this.#flow.setSettings(queue, patch);
  }

  limitQueue(queue: string, ms: number): Promise<void> {
    return this.#flow.limit(queue, ms);
  }

  queueLimits(queue: string): Promise<QueueLimits> {
    return this.#flow.limits(queue);
  }

  purgeQueue(queue: string, olderThanMs: number): Promise<number> {
    return this.#flow.purge(queue, olderThanMs);
  }

  ack(lease: BackendLease, result: Stored): Promise<Changed<boolean>> {
    return this.#acks.ack(lease.id, lease.token, storeBytes(result), freshToken());
  }

  nack(lease: BackendLease, error: ErrorInfo, next: NextTicket | undefined): Promise<Changed<boolean>> {
    const e = errorJson(error).json;
    const tail = next ? [next.gen, next.nonce, next.runAt, next.delayed ? '1' : ''] : ['', '', 0, ''];
    return this.#changed('nack', [this.#o.resultTtl, lease.id, lease.token, e, ...tail, freshToken()]);
  }

  progress(lease: BackendLease, value: Stored, keep: number): Promise<Changed<boolean>> {
    return this.#changed('progress', [lease.id, lease.token, storeBytes(value), keep]);
  }

  async extend(leases: readonly BackendLease[], leaseMs: number): Promise<boolean[]> {
    const out: boolean[] = [];
    for (const part of chunks(leases, MAX_ARGS / 2)) {
      const flat = (await this.#run('extend', [leaseMs, ...part.flatMap((l) => [l.id, l.token])])) as number[];
      out.push(...flat.map((x) => x === 1));
    }
    return out;
  }

  async release(leases: readonly BackendLease[]): Promise<boolean[]> {
    const out: boolean[] = [];
    for (const part of chunks(leases, MAX_ARGS / 2)) {
      const flat = (await this.#run(
        'release',
        part.flatMap((l) => [l.id, l.token]),
      )) as number[];
      out.push(...flat.map((x) => x === 1));
    }
    return out;
  }

  async expired(limit: number): Promise<ExpiredLease[]> {
    const flat = (await this.#run('expired', [limit])) as (string | number)[];
    const out: ExpiredLease[] = [];
    for (let i = 0; i + 5 < flat.length; i += 6) {
      out.push({
        id: String(flat[i]),
        token: String(flat[i + 1]),
        queue: String(flat[i + 2]),
        priority: Number(flat[i + 3]),
        gen: Number(flat[i + 4]),
        spent: flat[i + 5] === 1,
      });
    }
    return out;
  }

  expire(lease: ExpiredLease, next: NextTicket | undefined): Promise<Changed<boolean>> {
    const e = leaseExpired(lease.id).json;
    const tail = next ? [next.gen, next.nonce] : ['', ''];
    return this.#changed('expire', [this.#o.resultTtl, lease.id, lease.token, e, ...tail]);
  }

  async prune(limit: number): Promise<number> {
    return Number(await this.#run('prune', [limit]));
  }

  async cancel(id: string): Promise<Changed<CancelResult>> {
    const [[value], notes] = (await this.#run('cancel', [this.#o.resultTtl, id])) as [[CancelResult], Reply[]];
    return { value, notes: toNotes(notes) };
  }

  async rerun(id: string, gen: number, next: NextTicket): Promise<Changed<JobRecord | undefined>> {
    const [flat, notes] = (await this.#run('rerun', [id, gen, next.gen, next.nonce])) as [string[], Reply[]];
    return { value: flat.length === 0 ? undefined : toRecord(id, fieldsOf(flat)), notes: toNotes(notes) };
  }

  async get(id: string): Promise<JobRecord | undefined> {
    const fields = await this.#do(this.#c().hgetall(`${this.#kp}j:${id}`));
    return fields.s === undefined ? undefined : toRecord(id, fields);
  }

  async history(id: string, afterN: number): Promise<ReportRecord[]> {
    const [result, ...reports] = (await this.#run('history', [id, afterN])) as string[];
    const stored = loadBytes(result);
    return reports.map((member) => toReportRecord(member, stored));
  }

  async reportNumbers(ids: readonly string[]): Promise<Map<string, number>> {
    const found = new Map<string, number>();
    if (ids.length === 0) return found;
    const pipeline = this.#c().pipeline();
    for (const id of ids) pipeline.hget(`${this.#kp}j:${id}`, 'rn');
    const replies = (await this.#do(pipeline.exec())) ?? [];
    replies.forEach(([error, rn], i) => {
      if (error) throw error;
      if (rn !== null) found.set(ids[i]!, Number(rn));
    });
    return found;
  }

  async leaseStates(ids: readonly string[]): Promise<Map<string, { status: JobStatus; token: string | undefined }>> {
    const found = new Map<string, { status: JobStatus; token: string | undefined }>();
    if (ids.length === 0) return found;
    const pipeline = this.#c().pipeline();
    for (const id of ids) pipeline.hmget(`${this.#kp}j:${id}`, 's', 'tk');
    const replies = (await this.#do(pipeline.exec())) ?? [];
    replies.forEach(([error, value], i) => {
      if (error) throw error;
      const [status, token] = value as [JobStatus | null, string | null];
      if (status !== null) found.set(ids[i]!, { status, token: token ?? undefined });
    });
    return found;
  }

  async readyCount(queues: readonly string[]): Promise<number> {
    if (queues.length === 0) return 0;
    const flat = (await this.#run('counts', [...new Set(queues)])) as (string | number)[];
    let n = 0;
    for (let i = 0; i < flat.length; i += 6) n += Number(flat[i + 1]);
    return n;
  }

  async counts(): Promise<QueueCounts[]> {
    const flat = (await this.#run('counts', [])) as (string | number)[];
    const out: QueueCounts[] = [];
    for (let i = 0; i + 5 < flat.length; i += 6) {
      const [waiting, active, delayed, succeeded, failed] = flat.slice(i + 1, i + 6).map(Number) as [
        number,
        number,
        number,
        number,
        number,
      ];
      out.push({ queue: String(flat[i]), waiting, active, delayed, succeeded, failed });
    }
    return out.sort((a, b) => Buffer.compare(Buffer.from(a.queue), Buffer.from(b.queue)));
  }

  async list(query: ListJobsQuery): Promise<RecordPage> {
    const { limit, cursor } = checkListQuery(query);
    const flat = (await this.#run('list', [query.status, query.queue ?? '', cursor ?? '', limit + 1])) as (
      string | string[]
    )[];
    const page: { id: string; fields: Record<string, string> }[] = [];
    for (let i = 0; i + 1 < flat.length; i += 2)
      page.push({ id: flat[i] as string, fields: fieldsOf(flat[i + 1] as string[]) });
    const jobs = page.slice(0, limit).map((p) => toRecord(p.id, p.fields));
    return page.length > limit ? { jobs, next: page[limit - 1]!.fields.sq! } : { jobs };
  }

  /** Runs a write script that answers `{ { 1 | 0 }, notes }`. */
  async #changed(name: Name, args: (string | number)[]): Promise<Changed<boolean>> {
    const [[ok], notes] = (await this.#run(name, args)) as [[number], Reply[]];
    return { value: ok === 1, notes: toNotes(notes) };
  }

  #run(name: Name, args: (string | number)[]): Promise<Reply> {
    if (!this.#runner || this.#closed) return Promise.reject(this.#notOpen());
    return this.#do(this.#runner.run(name, args));
  }

  /** A command under the outage bound; a Redis error becomes a BrokerError naming the backend. */
  #do<T>(promise: Promise<T>): Promise<T> {
    return this.#guard.run(promise).catch((error: unknown) => {
      if (error instanceof BrokerError || error instanceof ClosedError) throw error;
      const message = error instanceof Error ? error.message : String(error);
      throw new BrokerError(`The result backend ${this.label} failed: ${message}`, { cause: error });
    });
  }

  #c(): RedisClient {
    if (!this.#client || this.#closed) throw this.#notOpen();
    return this.#client;
  }

  #notOpen(): Error {
    return this.#closed ? new ClosedError(this.label) : new BrokerError(`The result backend ${this.label} is not open`);
  }
}

function* chunks<T>(items: readonly T[], size: number): Generator<readonly T[]> {
  const step = Math.max(1, Math.floor(size));
  if (items.length === 0) return;
  for (let i = 0; i < items.length; i += step) yield items.slice(i, i + step);
}
