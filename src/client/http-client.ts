/**
 * One client of a drover server's HTTP API, shared by the CLI and the
 * `ws://` broker: the bearer secret, JSON in and out, a timeout per request
 * (plus the time the server may hold it on purpose: long-polls, event
 * streams), and the server's `{"error":{"code","message"}}` answers handed
 * to the caller's error mapping, so each caller keeps its own error types.
 */

/** How a caller turns failures into its own errors. */
export interface HttpErrorMapping {
  /** The server could not be reached; `reason` is short (`ECONNREFUSED`, `timed out`). */
  unreachable(reason: string, cause: unknown): Error;
  /** The server answered a status the caller did not expect. */
  refused(status: number, code: string | undefined, message: string): Error;
}

/** Options of {@link HttpClient}. */
export interface HttpClientOptions {
  /** `http://host:port` (or https), without a trailing slash. */
  base: string;
  /** The server's shared secret; undefined or '' for none. Never logged. */
  secret?: string | undefined;
  errors: HttpErrorMapping;
  /** How long one request may take, beyond `waitMs`. @default 30000 */
  timeoutMs?: number | undefined;
}

/** Options of one request. */
export interface RequestOptions {
  /** Statuses that are answers, not failures. @default any 2xx */
  expected?: readonly number[];
  /** How long the server may hold the request on purpose; Infinity = no limit. @default 0 */
  waitMs?: number;
  signal?: AbortSignal | undefined;
  /** Extra headers (`last-event-id`). */
  headers?: Record<string, string>;
}

/** An answer: its status and its JSON body (undefined when empty). */
export interface HttpAnswer<T> {
  status: number;
  body: T | undefined;
}

const MAX_TIMER_MS = 2 ** 31 - 1;

/** See the file's header. */
export class HttpClient {
  readonly base: string;
  readonly #headers: Record<string, string>;
  readonly #errors: HttpErrorMapping;
  readonly #timeoutMs: number;

  constructor(options: HttpClientOptions) {
    this.base = options.base;
    this.#headers =
      options.secret === undefined || options.secret === '' ? {} : { authorization: `Bearer ${options.secret}` };
    this.#errors = options.errors;
    this.#timeoutMs = options.timeoutMs ?? 30_000;
  }

  /** Sends a request and parses the JSON answer. */
  async json<T>(method: string, path: string, body?: unknown, options: RequestOptions = {}): Promise<HttpAnswer<T>> {
    const response = await this.fetch(method, path, body, options);
    const text = await response.text();
    if (text.length === 0) return { status: response.status, body: undefined };
    try {
      return { status: response.status, body: JSON.parse(text) as T };
    } catch {
      throw this.#errors.refused(response.status, undefined, 'the answer is not JSON');
    }
  }

  /** Sends a request and returns the response unread (event streams). */
  async fetch(method: string, path: string, body?: unknown, options: RequestOptions = {}): Promise<Response> {
    const headers: Record<string, string> = {
      ...this.#headers,
      accept: 'application/json, text/event-stream',
      ...options.headers,
    };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const waitMs = options.waitMs ?? 0;
    const signals = waitMs === Infinity ? [] : [AbortSignal.timeout(Math.min(MAX_TIMER_MS, this.#timeoutMs + waitMs))];
    if (options.signal) signals.push(options.signal);
    let response: Response;
    try {
      response = await fetch(`${this.base}${path}`, {
        method,
        headers,
        signal: signals.length === 0 ? null : AbortSignal.any(signals),
        body: body === undefined ? null : JSON.stringify(body),
      });
    } catch (error) {
      if (options.signal?.aborted) throw options.signal.reason;
      throw this.#errors.unreachable(reasonOf(error), error);
    }
    const expected = options.expected;
    if (expected ? expected.includes(response.status) : response.ok) return response;
    const text = await response.text().catch(() => '');
    const { code, message } = errorOf(text, response.status);
    throw this.#errors.refused(response.status, code, message);
  }
}

/** A short reason for a failed fetch. */
function reasonOf(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown; message?: unknown } } | null)?.cause;
  if (typeof cause?.code === 'string') return cause.code;
  if (typeof cause?.message === 'string' && cause.message.length > 0) return cause.message;
  if ((error as { name?: unknown } | null)?.name === 'TimeoutError') return 'timed out';
  return error instanceof Error ? error.message : String(error);
}

/** The server's `{"error":{"code","message"}}`, or the status line. */
function errorOf(text: string, status: number): { code: string | undefined; message: string } {
  try {
    const body = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
    return {
      code: typeof body.error?.code === 'string' ? body.error.code : undefined,
      message: typeof body.error?.message === 'string' ? body.error.message : `HTTP ${status}`,
    };
  } catch {
    return { code: undefined, message: `HTTP ${status}` };
  }
}
