/**
 * The producer side of the `ws://` broker: a small client of the server's
 * HTTP API (DESIGN.md §4) with `Authorization: Bearer <secret>`. Maps HTTP
 * answers to drover's typed errors; an unreachable server is a BrokerError
 * that names the URL.
 */
import { AuthError, BrokerError, BrokerFullError, InvalidArgumentError } from '../../core/errors.js';
import type { JobStatus } from '../../core/report.js';
import type {
  CancelResult,
  EnqueueRequest,
  EnqueueResult,
  JobPage,
  JobSnapshot,
  ListJobsQuery,
  QueueCounts,
} from '../contract.js';
import { fromJobView } from '../../protocol/job-view.js';
import type { JobView as JobViewJson } from '../../protocol/job-view.js';

/** Most jobs per `POST /v1/jobs` (the server's default batch limit). */
const BATCH_JOBS = 1_000;
/** Rough byte budget per batch, under the server's 1 MiB body limit. */
const BATCH_BYTES = 900 * 1024;
const REQUEST_TIMEOUT_MS = 30_000;

/** An HTTP answer the caller wants to look at itself (404, 409). */
export interface ApiAnswer<T> {
  status: number;
  body: T | undefined;
}

/** See the file's header. */
export class ServerApi {
  /** `http://host:port` (or https). */
  readonly base: string;
  /** The broker URL as the user gave it, for error messages. */
  readonly url: string;
  readonly #headers: Record<string, string>;

  constructor(url: string, base: string, secret: string) {
    this.url = url;
    this.base = base;
    this.#headers = secret === '' ? {} : { authorization: `Bearer ${secret}` };
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

  /** Opens `GET /v1/jobs/:id/events` (the caller reads the stream). */
  async events(id: string, lastEventId: number, signal: AbortSignal): Promise<Response> {
    const headers: Record<string, string> = { ...this.#headers, accept: 'text/event-stream' };
    if (lastEventId >= 0) headers['last-event-id'] = String(lastEventId);
    let response: Response;
    try {
      response = await fetch(`${this.base}/v1/jobs/${encodeURIComponent(id)}/events`, { headers, signal });
    } catch (error) {
      throw this.#unreachable(error);
    }
    if (response.status === 200 || response.status === 204 || response.status === 404) return response;
    throw await this.#failed(response);
  }

  /** One JSON request; statuses outside `expected` become typed errors. */
  async request<T>(method: string, path: string, body: unknown, expected: readonly number[]): Promise<ApiAnswer<T>> {
    const headers: Record<string, string> = { ...this.#headers, accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await fetch(`${this.base}${path}`, {
        method,
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (error) {
      throw this.#unreachable(error);
    }
    if (!expected.includes(response.status)) throw await this.#failed(response);
    const text = await response.text();
    return { status: response.status, body: text === '' ? undefined : (JSON.parse(text) as T) };
  }

  #unreachable(error: unknown): BrokerError {
    const cause = (error as { cause?: { code?: unknown; message?: unknown } } | null)?.cause;
    const reason =
      typeof cause?.code === 'string' ? cause.code : error instanceof Error ? error.message : String(error);
    return new BrokerError(`Cannot reach the drover server at ${this.url} (${this.base}): ${reason}`, { cause: error });
  }

  async #failed(response: Response): Promise<Error> {
    let code = '';
    let message = `HTTP ${response.status}`;
    try {
      const body = (await response.json()) as { error?: { code?: unknown; message?: unknown } };
      if (typeof body.error?.code === 'string') code = body.error.code;
      if (typeof body.error?.message === 'string') message = body.error.message;
    } catch {
      // not JSON: keep the status line
    }
    if (response.status === 401)
      return new AuthError(`auth failed: the drover server at ${this.url} refused the secret`);
    if (code === 'broker_full') return new BrokerFullError(message);
    if (response.status === 400 || response.status === 413)
      return new InvalidArgumentError(`The drover server at ${this.url} refused the request: ${message}`);
    return new BrokerError(`The drover server at ${this.url} answered ${response.status}: ${message}`);
  }
}

function toJobRequest(job: EnqueueRequest): Record<string, unknown> {
  const options: Record<string, unknown> = {
    retries: job.options.retries,
    backoff: {
      type: job.options.backoff.type,
      delay: Math.round(job.options.backoff.delay),
      max: Math.round(job.options.backoff.max),
      ...(job.options.backoff.jitter === undefined ? {} : { jitter: job.options.backoff.jitter }),
    },
    priority: job.priority,
    queue: job.queue,
  };
  if (job.options.timeout !== undefined) options.timeout = Math.max(1, Math.round(job.options.timeout));
  if (job.delayMs > 0) options.delay = Math.round(job.delayMs);
  if (job.key !== undefined) options.key = job.key;
  return { task: job.task, args: job.args, options };
}
