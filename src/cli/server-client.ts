import { CliError } from './cli-error.js';

/** Options of the commands that talk to a running server. */
export interface ClientOptions {
  server: string;
  secret: string | undefined;
}

/** An answer of the server. */
export interface ServerAnswer<T> {
  status: number;
  body: T;
}

/** How long one request may take before the CLI gives up (long-polls add their own wait). */
const REQUEST_TIMEOUT_MS = 15_000;

/**
 * A small client of the HTTP API for the CLI commands. Failures become
 * one-line {@link CliError}s: unreachable server, 401 with a hint about the
 * secret, or the server's own `{"error":{"code","message"}}`.
 */
export class ServerClient {
  readonly #base: string;
  readonly #secret: string | undefined;

  constructor(options: ClientOptions) {
    this.#base = options.server;
    this.#secret = options.secret;
  }

  /** The server's base URL. */
  get url(): string {
    return this.#base;
  }

  /** Sends a request and parses the JSON answer; throws CliError unless the status is 2xx. */
  async json<T>(
    method: string,
    path: string,
    body?: unknown,
    options: { waitMs?: number; signal?: AbortSignal } = {},
  ): Promise<ServerAnswer<T>> {
    const response = await this.fetch(method, path, body, options);
    const text = await response.text();
    const parsed = parseJson(text);
    if (parsed === INVALID)
      throw new CliError(`the server at ${this.#base} answered ${response.status} with something that is not JSON`);
    return { status: response.status, body: parsed as T };
  }

  /** Sends a request and returns the response (for event streams); throws CliError unless the status is 2xx. */
  async fetch(
    method: string,
    path: string,
    body?: unknown,
    options: { waitMs?: number; signal?: AbortSignal } = {},
  ): Promise<Response> {
    const headers: Record<string, string> = { accept: 'application/json, text/event-stream' };
    if (this.#secret !== undefined) headers.authorization = `Bearer ${this.#secret}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    // waitMs: how long the server may hold the request on purpose (long-poll, event stream); Infinity = no limit.
    const waitMs = options.waitMs ?? 0;
    const signals =
      waitMs === Infinity ? [] : [AbortSignal.timeout(Math.min(2 ** 31 - 1, REQUEST_TIMEOUT_MS + waitMs))];
    if (options.signal) signals.push(options.signal);
    const signal = signals.length === 0 ? null : AbortSignal.any(signals);
    let response: Response;
    try {
      response = await fetch(`${this.#base}${path}`, {
        method,
        headers,
        signal,
        body: body === undefined ? null : JSON.stringify(body),
      });
    } catch (error) {
      if (options.signal?.aborted) throw options.signal.reason;
      throw new CliError(`cannot reach the drover server at ${this.#base}: ${reason(error)}`);
    }
    if (!response.ok) {
      const text = await response.text().catch(() => '');
      throw this.#failure(response.status, parseJson(text));
    }
    return response;
  }

  #failure(status: number, body: unknown): CliError {
    const error = (body as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
    const message = typeof error?.message === 'string' ? error.message : `HTTP ${status}`;
    if (status === 401) return new CliError(`${message} (set DROVER_SECRET or --secret-file to the server's secret)`);
    return new CliError(message);
  }
}

function reason(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
  if (typeof cause?.code === 'string') return cause.code;
  if (typeof cause?.message === 'string' && cause.message.length > 0) return cause.message;
  if ((error as { name?: unknown }).name === 'TimeoutError') return 'timed out';
  return error instanceof Error ? error.message : String(error);
}

const INVALID = Symbol('invalid JSON');

function parseJson(text: string): unknown {
  if (text.length === 0) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return INVALID;
  }
}
