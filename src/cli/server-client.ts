import type { RequestOptions } from '../client/index.js';
import { HttpClient } from '../client/index.js';
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
 * The CLI's view of the shared HTTP client (`src/client`): failures become
 * one-line {@link CliError}s — unreachable server, 401 with a hint about the
 * secret, or the server's own `{"error":{"code","message"}}`.
 */
export class ServerClient {
  readonly #base: string;
  readonly #http: HttpClient;

  constructor(options: ClientOptions) {
    this.#base = options.server;
    this.#http = new HttpClient({
      base: options.server,
      secret: options.secret,
      timeoutMs: REQUEST_TIMEOUT_MS,
      errors: {
        unreachable: (reason) => new CliError(`cannot reach the drover server at ${this.#base}: ${reason}`),
        refused: (status, _code, message) =>
          status === 401
            ? new CliError(`${message} (set DROVER_SECRET or --secret-file to the server's secret)`)
            : new CliError(message),
      },
    });
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
    const answer = await this.#http.json<T>(method, path, body, toRequestOptions(options));
    return { status: answer.status, body: answer.body as T };
  }

  /** Sends a request and returns the response (for event streams); throws CliError unless the status is 2xx. */
  fetch(
    method: string,
    path: string,
    body?: unknown,
    options: { waitMs?: number; signal?: AbortSignal } = {},
  ): Promise<Response> {
    return this.#http.fetch(method, path, body, toRequestOptions(options));
  }
}

function toRequestOptions(options: { waitMs?: number; signal?: AbortSignal }): RequestOptions {
  const out: RequestOptions = {};
  if (options.waitMs !== undefined) out.waitMs = options.waitMs;
  if (options.signal !== undefined) out.signal = options.signal;
  return out;
}
