/**
 * The server-wide event feed behind `GET /v1/events` (docs/operations.md,
 * "Dashboard"). One hub per server; every client gets the same frames,
 * serialized once.
 *
 * Frames: `hello` (first: throughput history, queue counts, workers — a
 * snapshot, so a client needs no other request to draw), then `reports`
 * (report summaries batched every 250 ms, at most 500 a batch, numbered for
 * `Last-Event-ID`), `rate` (each finished second: jobs succeeded and failed;
 * it doubles as the heartbeat), `counts` and `workers` (when they changed),
 * `worker` (a remote worker connected or disconnected) and `herd` (its size
 * changed).
 *
 * States: idle (no client: no timer, no query; only the throughput counters
 * run, and a report marks a gap in the numbered frames) ──first client──▶
 * live (1 s tick; counts re-read when a report arrived, else every 10 s)
 * ──last client gone──▶ idle; any ──stop()──▶ stopped.
 */
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { Broker, QueueCounts } from '../../brokers/contract.js';
import type { Drover } from '../../core/app.js';
import type { WorkerEvent } from '../../core/events.js';
import type { BrokerReport } from '../../core/report.js';
import type { Worker as Herd } from '../../core/worker.js';
import { MAX_QUEUES_LISTED } from '../routes/queues.js';
import type { EventClient } from './event-client.js';
import { EventRing } from './event-ring.js';
import type { ReportSummary } from './report-summary.js';
import { summarizeReport } from './report-summary.js';
import { Throughput } from './throughput.js';
import { withFlowState } from '../../core/queue-flow-counts.js';
import type { WorkersView } from './workers-view.js';

/** Report summaries are sent in batches this often (ms). */
export const BATCH_MS = 250;
/** Most summaries in one batch; more are counted in its `dropped`. */
export const MAX_BATCH = 500;
/** The tick: rate points, changed counts, workers and herd (ms). */
export const TICK_MS = 1000;
/** Counts are re-read at least this often while clients listen, even with no report (ms). */
export const COUNTS_REFRESH_MS = 10_000;

/** What the hub reads from its server. */
export interface EventHubOptions {
  app: Drover;
  logger: Logger;
  herd(): Herd | undefined;
  /** The workers view of the server now (see `workers-view.ts`). */
  workers(): WorkersView;
}

/** `counts` frames and the `counts` of `hello`: the shape of `GET /v1/queues`. */
export interface CountsView {
  queues: QueueCounts[];
  truncated: boolean;
}

/** A parsed `Last-Event-ID`: the hub's epoch and a frame number. */
export interface ResumePoint {
  epoch: string;
  seq: number;
}

/** Parses a `Last-Event-ID` header (`<epoch>.<seq>`); undefined when it has another shape. */
export function parseEventId(value: string): ResumePoint | undefined {
  const match = /^([0-9a-f]{1,32})\.(\d{1,15})$/.exec(value);
  return match ? { epoch: match[1]!, seq: Number(match[2]) } : undefined;
}

/** The server-wide event feed (see the file comment). */
export class EventHub {
  readonly #o: EventHubOptions;
  readonly #epoch = randomBytes(6).toString('hex');
  readonly #clients = new Set<EventClient>();
  readonly #ring = new EventRing();
  readonly #throughput = new Throughput();
  readonly #off: (() => void)[] = [];
  #broker: Broker | undefined;
  #pending: ReportSummary[] = [];
  #dropped = 0;
  #gap = false;
  #flushTimer: NodeJS.Timeout | undefined;
  #tickTimer: NodeJS.Timeout | undefined;
  #lastRateSecond = Math.floor(Date.now() / 1000) - 1;
  #counts: { view: CountsView; json: string; at: number } | undefined;
  #countsDirty = true;
  #countsReading: Promise<CountsView> | undefined;
  #workersKey = '';
  #herdSize: number | undefined;

  constructor(options: EventHubOptions) {
    this.#o = options;
  }

  /** How many clients listen now. */
  get clients(): number {
    return this.#clients.size;
  }

  /** Starts counting and listening on a connected broker; returns the function that stops the hub. */
  start(broker: Broker): () => void {
    this.#broker = broker;
    const { app } = this.#o;
    // A broker without a report feed (an optional part of the contract) gives the dashboard counts and workers only.
    if (broker.onReport) this.#off.push(broker.onReport((report) => this.#onReport(report)));
    this.#off.push(app.on('worker:verified', (e) => this.#onWorker('connected', e)));
    this.#off.push(app.on('worker:disconnected', (e) => this.#onWorker('disconnected', e)));
    return () => this.#stop();
  }

  /** Fresh-enough queue counts for a client's `hello` (read at most once per tick). */
  async prepare(): Promise<CountsView> {
    return this.#readCounts();
  }

  /**
   * Adds a client whose headers are sent: writes its `hello` (with `counts`
   * from {@link prepare}) and, when it resumes, the numbered frames it
   * missed — or `resumed: false` when they are gone.
   */
  join(client: EventClient, counts: CountsView, from: ResumePoint | undefined): void {
    if (this.#gap) {
      this.#ring.skip();
      this.#gap = false;
    }
    const missed = from && from.epoch === this.#epoch ? this.#ring.after(from.seq) : undefined;
    const id = missed && from ? from.seq : this.#ring.head;
    const herd = this.#o.herd();
    const workers = this.#o.workers();
    if (this.#clients.size === 0) {
      // Idle until now: what the first client sees is the baseline of later changes.
      this.#workersKey = workersKey(workers);
      this.#herdSize = herd?.concurrency ?? 0;
    }
    const hello = {
      epoch: this.#epoch,
      resumed: missed !== undefined,
      at: Date.now(),
      throughput: this.#throughput.history(),
      counts,
      workers,
    };
    client.write(`retry: 2000\n\nevent: hello\nid: ${this.#epoch}.${id}\ndata: ${JSON.stringify(hello)}\n\n`);
    for (const frame of missed ?? []) client.write(frame);
    if (client.closed) return;
    this.#clients.add(client);
    this.#tickTimer ??= setInterval(() => this.#tick(), TICK_MS);
  }

  /** Removes a client (its stream ended). */
  leave(client: EventClient): void {
    this.#clients.delete(client);
    if (this.#clients.size > 0) return;
    clearInterval(this.#tickTimer);
    clearTimeout(this.#flushTimer);
    this.#tickTimer = this.#flushTimer = undefined;
    this.#pending = [];
    this.#dropped = 0;
    this.#gap = true;
  }

  #onReport(report: BrokerReport): void {
    if (report.status === 'succeeded' || report.status === 'failed') this.#throughput.add(report.status);
    this.#countsDirty = true;
    if (this.#clients.size === 0) {
      this.#gap = true;
      return;
    }
    if (this.#pending.length < MAX_BATCH) this.#pending.push(summarizeReport(report));
    else this.#dropped++;
    this.#flushTimer ??= setTimeout(() => this.#flush(), BATCH_MS);
  }

  #onWorker(event: 'connected' | 'disconnected', e: WorkerEvent): void {
    if (this.#clients.size === 0) return;
    const data = { event, workerId: e.workerId, name: e.name ?? null, reason: e.reason ?? null };
    this.#broadcast(`event: worker\ndata: ${JSON.stringify(data)}\n\n`);
    this.#checkWorkers();
  }

  #flush(): void {
    this.#flushTimer = undefined;
    if (this.#pending.length === 0 || this.#clients.size === 0) return;
    const batch = { reports: this.#pending, dropped: this.#dropped };
    this.#pending = [];
    this.#dropped = 0;
    const data = JSON.stringify(batch);
    this.#broadcast(this.#ring.push((seq) => `event: reports\nid: ${this.#epoch}.${seq}\ndata: ${data}\n\n`));
  }

  #tick(): void {
    for (const point of this.#throughput.since(this.#lastRateSecond)) {
      this.#lastRateSecond = point.at / 1000;
      this.#broadcast(`event: rate\ndata: ${JSON.stringify(point)}\n\n`);
    }
    this.#checkWorkers();
    const stale = !this.#counts || Date.now() - this.#counts.at >= COUNTS_REFRESH_MS;
    if ((this.#countsDirty || stale) && !this.#countsReading) {
      const before = this.#counts?.json;
      this.#readCounts().then(
        () => {
          if (this.#counts && this.#counts.json !== before)
            this.#broadcast(`event: counts\ndata: ${this.#counts.json}\n\n`);
        },
        (error: unknown) => this.#o.logger.warn({ err: error }, 'the event stream could not read queue counts'),
      );
    }
  }

  #checkWorkers(): void {
    const herd = this.#o.herd();
    const view = this.#o.workers();
    const key = workersKey(view);
    if (key !== this.#workersKey) {
      this.#workersKey = key;
      this.#broadcast(`event: workers\ndata: ${JSON.stringify(view)}\n\n`);
    }
    const size = herd?.concurrency ?? 0;
    if (this.#herdSize !== undefined && size !== this.#herdSize)
      this.#broadcast(`event: herd\ndata: ${JSON.stringify({ num: size })}\n\n`);
    this.#herdSize = size;
  }

  /** Reads counts unless fresh ones are at hand; one read at a time however many clients ask. */
  #readCounts(): Promise<CountsView> {
    const cached = this.#counts;
    if (cached && !this.#countsDirty && Date.now() - cached.at < TICK_MS) return Promise.resolve(cached.view);
    const broker = this.#broker;
    if (!broker) return Promise.resolve({ queues: [], truncated: false });
    this.#countsReading ??= (async () => {
      this.#countsDirty = false;
      try {
        const all = await broker.counts();
        const shown = [...all].sort((a, b) => a.queue.localeCompare(b.queue)).slice(0, MAX_QUEUES_LISTED);
        // Paused and limited, as GET /v1/queues shows them (on a broker with flow control).
        const queues = await withFlowState(broker, shown);
        const view: CountsView = { queues, truncated: all.length > MAX_QUEUES_LISTED };
        this.#counts = { view, json: JSON.stringify(view), at: Date.now() };
        return view;
      } catch (error) {
        this.#countsDirty = true;
        throw error;
      } finally {
        this.#countsReading = undefined;
      }
    })();
    return this.#countsReading;
  }

  #broadcast(frame: string): void {
    for (const client of this.#clients) client.write(frame);
  }

  #stop(): void {
    for (const off of this.#off.splice(0)) off();
    for (const client of [...this.#clients]) client.end();
    this.#clients.clear();
    clearInterval(this.#tickTimer);
    clearTimeout(this.#flushTimer);
    this.#tickTimer = this.#flushTimer = undefined;
  }
}

/** What identifies a workers view, without `lastSeen`: it moves with every heartbeat, and only other changes are news. */
function workersKey(view: WorkersView): string {
  return JSON.stringify(view, (k, v: unknown) => (k === 'lastSeen' ? undefined : v));
}
