/**
 * The `ws://` / `wss://` broker: a drover server used as a broker, so
 * workers and producers need no broker credentials (docs/brokers.md).
 * Producers talk to the server's HTTP API ({@link ServerApi}); workers get
 * their jobs over the authenticated WebSocket ({@link RemoteLeases}), which
 * opens on the herd's first `lease`. A process that only calls never opens
 * a socket.
 *
 * What it declares it lacks (see its `capabilities`, docs/architecture.md):
 * - no `onReport`: the server has no feed of every job's reports for it yet;
 * - `confirmsOutcomes: false`: protocol v1 answers only refusals, so ack,
 *   nack and progress resolve once sent (a stale lease known here still
 *   throws StaleLeaseError; a late refusal from the server is logged);
 * - `keepsIds: false`: the server names the jobs;
 * - `leasing: 'push'`: the server pushes jobs to this process, keeps the
 *   queues of the first lease, and holds leases while the socket lives.
 */
import type { Logger } from 'pino';
import { destination, pino } from 'pino';
import type { Report } from '../../core/report.js';
import type {
  Broker,
  BrokerCapabilities,
  CancelResult,
  EnqueueRequest,
  EnqueueResult,
  FlowStartRequest,
  JobPage,
  JobSnapshot,
  LeasedJob,
  LeaseRef,
  LeaseRequest,
  ListJobsQuery,
  NackOutcome,
  QueueCounts,
  ReportWatch,
} from '../../core/contract/index.js';
import { RemoteLeases } from './remote-leases.js';
import type { RemoteUrl } from './remote-url.js';
import { watchReports } from './report-stream.js';
import { ServerApi } from './server-api.js';
import type { ReconnectBackoffOptions } from '../../remote/index.js';

/** Options of the remote broker beyond its URL. */
export interface RemoteBrokerOptions {
  /** The server's shared secret; '' or undefined for a loopback server without one. Never logged. */
  secret?: string | undefined;
  /** This worker's name in `GET /v1/workers`. @default `${hostname}:${pid}` */
  name?: string | undefined;
  /** Reconnect backoff. @default { minMs: 250, maxMs: 30000 } */
  backoff?: ReconnectBackoffOptions | undefined;
  /** @default warnings and errors to stderr */
  logger?: Logger | undefined;
}

/** See the file's header. */
export class RemoteBroker implements Broker {
  readonly name = 'remote';
  /** Jobs live on the server: they outlive this process (and the server's restarts on a durable store). */
  readonly capabilities: BrokerCapabilities = Object.freeze({
    durable: true,
    shared: true,
    confirmsOutcomes: false,
    keepsIds: false,
    leasing: 'push',
  });
  readonly #api: ServerApi;
  readonly #leases: RemoteLeases;
  readonly #watches = new Set<ReportWatch>();
  #connected = false;

  constructor(url: RemoteUrl, options: RemoteBrokerOptions & { name: string }) {
    const secret = options.secret ?? '';
    this.#api = new ServerApi(url.url, url.httpBase, secret);
    this.#leases = new RemoteLeases({
      origin: url.wsBase,
      secret,
      name: options.name,
      logger: options.logger ?? pino({ level: 'warn' }, destination(2)),
      backoff: options.backoff,
    });
  }

  /** Checks the server is reachable; a BrokerError names the URL when it is not. */
  async connect(): Promise<void> {
    if (this.#connected) return;
    await this.#api.health();
    this.#connected = true;
  }

  async close(): Promise<void> {
    for (const watch of this.#watches) watch.stop();
    this.#watches.clear();
    await this.#leases.close();
  }

  enqueue(jobs: readonly EnqueueRequest[]): Promise<EnqueueResult[]> {
    return this.#api.enqueue(jobs);
  }

  /** Forwards the flow to the server (`POST /v1/flows`), whose broker advances it; the server names it. */
  startFlow(request: FlowStartRequest): Promise<EnqueueResult> {
    return this.#api.startFlow(request.spec());
  }

  async lease(request: LeaseRequest): Promise<LeasedJob[]> {
    return this.#leases.lease(request);
  }

  /** Leases serve pushed jobs from a local inbox, never a round trip: the herd may take them synchronously. */
  leaseNow(request: LeaseRequest): LeasedJob[] {
    return this.#leases.lease(request);
  }

  async extend(leases: readonly LeaseRef[]): Promise<boolean[]> {
    return this.#leases.extend(leases);
  }

  /** Resolves once sent (`confirmsOutcomes: false`); throws StaleLeaseError for a lease known to be stale. */
  async ack(lease: LeaseRef, result: unknown): Promise<void> {
    this.#leases.ack(lease, result);
  }

  async nack(lease: LeaseRef, outcome: NackOutcome): Promise<void> {
    this.#leases.nack(lease, outcome);
  }

  async release(leases: readonly LeaseRef[]): Promise<void> {
    this.#leases.release(leases);
  }

  async progress(lease: LeaseRef, value: unknown): Promise<void> {
    this.#leases.progress(lease, value);
  }

  onReady(listener: () => void): () => void {
    return this.#leases.onReady(listener);
  }

  onCancel(listener: (jobId: string) => void): () => void {
    return this.#leases.onCancel(listener);
  }

  getJob(id: string): Promise<JobSnapshot | undefined> {
    return this.#api.getJob(id);
  }

  async watch(id: string, listener: (report: Report) => void): Promise<ReportWatch | undefined> {
    const watch = await watchReports(this.#api, id, listener);
    if (!watch) return undefined;
    const tracked: ReportWatch = {
      history: watch.history,
      stop: () => {
        this.#watches.delete(tracked);
        watch.stop();
      },
    };
    this.#watches.add(tracked);
    return tracked;
  }

  cancel(id: string): Promise<CancelResult> {
    return this.#api.cancel(id);
  }

  retry(id: string): Promise<JobSnapshot | undefined> {
    return this.#api.retry(id);
  }

  counts(): Promise<QueueCounts[]> {
    return this.#api.counts();
  }

  listJobs(query: ListJobsQuery): Promise<JobPage> {
    return this.#api.listJobs(query);
  }
}
