/**
 * The producer side of the `ws://` broker: a small client of the server's
 * HTTP API (docs/protocol.md, through the shared `client/` module) with `Authorization: Bearer <secret>`. Maps HTTP
 * answers to drover's typed errors; an unreachable server is a BrokerError
 * that names the URL.
 */
import { AuthError, BrokerError, BrokerFullError, InvalidArgumentError } from '../../core/errors.js';
import type { HttpAnswer, HttpErrorMapping } from '../../client/index.js';
import { HttpClient } from '../../client/index.js';
import { jobOptionsToJson } from '../../core/options-table.js';
import type { JobStatus } from '../../core/report.js';
import type {
  CancelResult,
  EnqueueRequest,
  EnqueueResult,
  JobPage,
  JobSnapshot,
  ListJobsQuery,
  QueueCounts,
} from '../../core/contract/index.js';
import { fromJobView } from '../../protocol/job-view.js';
import type { JobView as JobViewJson } from '../../protocol/job-view.js';

/** Most jobs per `POST /v1/jobs` (the server's default batch limit). */
const BATCH_JOBS = 1_000;
/** Rough byte budget per batch, under the server's 1 MiB body limit. */
const BATCH_BYTES = 900 * 1024;

/** An HTTP answer the caller wants to look at itself (404, 409). */
export type ApiAnswer<T> = HttpAnswer<T>;

/** See the file's header. */
export class ServerApi {
  /** `http://host:port` (or https). */
  readonly base: string;
  /** The broker URL as the user gave it, for error messages. */
  readonly url: string;
  readonly #http: HttpClient;

  constructor(url: string, base: string, secret: string) {
    this.url = url;
    this.base = base;
    this.#http = new HttpClient({ base, secret, errors: brokerErrors(url, base) });
  }

  /** Checks the server answers `/healthz`. */
  async health(): Promise<void> {
    await this.request('GET', '/healthz', undefined, [200]);
  }

  /** `POST /v1/jobs` in batches; the server assigns the ids. */
  async enqueue(jobs: readonly EnqueueRequest[]): Promise<EnqueueResult[]> {
    const results: EnqueueResult[] = [];
    let batch: unknown[] = [];
    let bytes = 2;
    const flush = async (): Promise<void> => {
      if (batch.length === 0) return;
      const answer = await this.request<{ id: string; status: JobStatus; duplicate?: boolean }[]>(
        'POST',
        '/v1/jobs',
        batch,
        [201],
      );
      for (const r of answer.body ?? []) results.push({ id: r.id, status: r.status, duplicate: r.duplicate === true });
      batch = [];
      bytes = 2;
    };
    for (const job of jobs) {
      const body = toJobRequest(job);
      const size = JSON.stringify(body).length + 1;
      if (batch.length >= BATCH_JOBS || (batch.length > 0 && bytes + size > BATCH_BYTES)) await flush();
      batch.push(body);
      bytes += size;
    }
    await flush();
    return results;
  }

  /** `POST /v1/flows`: the server compiles and starts the flow, and names it. */
  async startFlow(spec: unknown): Promise<EnqueueResult> {
    const answer = await this.request<{ id: string; status: JobStatus }>('POST', '/v1/flows', spec, [201]);
    return { id: answer.body!.id, status: answer.body!.status, duplicate: false };
  }

  /** `GET /v1/jobs/:id`; undefined on 404. */
  async getJob(id: string): Promise<JobSnapshot | undefined> {
    const answer = await this.request<JobViewJson>('GET', `/v1/jobs/${encodeURIComponent(id)}`, undefined, [200, 404]);
    return answer.status === 404 || !answer.body ? undefined : fromJobView(answer.body);
  }

  /** `DELETE /v1/jobs/:id`. */
  async cancel(id: string): Promise<CancelResult> {
    const answer = await this.request<{ wasRunning?: boolean }>(
      'DELETE',
      `/v1/jobs/${encodeURIComponent(id)}`,
      undefined,
      [200, 404, 409],
    );
    if (answer.status === 404) return 'not_found';
    if (answer.status === 409) return 'finished';
    return answer.body?.wasRunning === true ? 'aborted' : 'cancelled';
  }

  /** `POST /v1/jobs/:id/retry`; undefined when unknown or not finished. */
  async retry(id: string): Promise<JobSnapshot | undefined> {
    const answer = await this.request<JobViewJson>(
      'POST',
      `/v1/jobs/${encodeURIComponent(id)}/retry`,
      undefined,
      [200, 404, 409],
    );
    return answer.status === 200 && answer.body ? fromJobView(answer.body) : undefined;
  }

  /** `GET /v1/queues`. */
  async counts(): Promise<QueueCounts[]> {
    const answer = await this.request<{ queues: QueueCounts[] }>('GET', '/v1/queues', undefined, [200]);
    return answer.body?.queues ?? [];
  }

  /** `GET /v1/jobs?status=…`. */
  async listJobs(query: ListJobsQuery): Promise<JobPage> {
    const params = new URLSearchParams({ status: query.status, limit: String(query.limit) });
    if (query.queue !== undefined) params.set('queue', query.queue);
    if (query.cursor !== undefined) params.set('cursor', query.cursor);
    const answer = await this.request<{ jobs: JobViewJson[]; next: string | null }>(
      'GET',
      `/v1/jobs?${params.toString()}`,
      undefined,
      [200],
    );
    const body = answer.body ?? { jobs: [], next: null };
    return { jobs: body.jobs.map(fromJobView), next: body.next ?? undefined };
  }

  /** Opens `GET /v1/jobs/:id/events` after event `lastEventId` (the caller reads the stream). */
  events(id: string, lastEventId: number, signal: AbortSignal): Promise<Response> {
    return this.#http.fetch('GET', `/v1/jobs/${encodeURIComponent(id)}/events`, undefined, {
      expected: [200, 204, 404],
      waitMs: Infinity,
      signal,
      headers: lastEventId >= 0 ? { 'last-event-id': String(lastEventId) } : {},
    });
  }

  /** One JSON request; statuses outside `expected` become typed errors. */
  request<T>(method: string, path: string, body: unknown, expected: readonly number[]): Promise<ApiAnswer<T>> {
    return this.#http.json<T>(method, path, body, { expected });
  }
}

/** Maps HTTP failures to drover's typed errors, naming the broker URL. */
function brokerErrors(url: string, base: string): HttpErrorMapping {
  return {
    unreachable: (reason, cause) =>
      new BrokerError(`Cannot reach the drover server at ${url} (${base}): ${reason}`, { cause }),
    refused: (status, code, message) => {
      if (status === 401) return new AuthError(`auth failed: the drover server at ${url} refused the secret`);
      // 429 with the server's `broker_full` code: the store is at its maxQueued.
      if (status === 429 && code === 'broker_full') return new BrokerFullError(message);
      if (status === 400 || status === 413)
        return new InvalidArgumentError(`The drover server at ${url} refused the request: ${message}`);
      return new BrokerError(`The drover server at ${url} answered ${status}: ${message}`);
    },
  };
}

/** One job as a `POST /v1/jobs` body: its stored options plus where and when it runs, as JSON. */
function toJobRequest(job: EnqueueRequest): Record<string, unknown> {
  const options: Record<string, unknown> = { ...job.options, priority: job.priority, queue: job.queue };
  if (job.delayMs > 0) options.delay = job.delayMs;
  if (job.key !== undefined) options.key = job.key;
  return { task: job.task, args: job.args, options: jobOptionsToJson(options) };
}
