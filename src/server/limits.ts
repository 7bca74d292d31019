/**
 * The bounds of one drover server (docs/reliability.md G6): every body, batch,
 * listing and long-lived connection has a limit; past it the client gets a
 * 413 or a 429, never memory exhaustion.
 */

/** Limits of a {@link DroverServer}; every one can be lowered or raised. */
export interface ServerLimits {
  /** Largest request body in bytes. @default 1_048_576 (1 MiB) */
  bodyBytes: number;
  /** Most jobs in one `POST /v1/jobs` batch. @default 1000 */
  batchJobs: number;
  /** Most open `GET /v1/jobs/:id/events` streams at once. @default 1000 */
  eventStreams: number;
  /** Most pending `GET /v1/jobs/:id/result` long-polls at once. @default 1000 */
  resultWaiters: number;
  /** Longest `timeout` of a result long-poll (ms). @default 60_000 */
  resultTimeoutMs: number;
  /** Largest `limit` of a job listing. @default 1000 */
  listLimit: number;
  /** A job listing stops adding jobs past this many bytes of JSON (it then sets `next`). @default 1_048_576 (1 MiB) */
  listBytes: number;
  /** In a listing, `args`, `result`, `progress` or `error` larger than this (bytes of JSON) are left out, with a flag. @default 4096 */
  listFieldBytes: number;
  /** Largest herd size `PATCH /herd` accepts. @default 1000 */
  herdSize: number;
  /** Failed authentications from one address (HTTP or WebSocket) before it is throttled (429). @default 5 */
  authFailures: number;
}

/** Defaults of {@link ServerLimits}, in one place. */
export const DEFAULT_LIMITS: Readonly<ServerLimits> = Object.freeze({
  bodyBytes: 1024 * 1024,
  batchJobs: 1000,
  eventStreams: 1000,
  resultWaiters: 1000,
  resultTimeoutMs: 60_000,
  listLimit: 1000,
  listBytes: 1024 * 1024,
  listFieldBytes: 4096,
  herdSize: 1000,
  authFailures: 5,
});

/** Default wait of a result long-poll without `timeout` (ms). */
export const DEFAULT_RESULT_TIMEOUT_MS = 30_000;

/** Default page size of a job listing. */
export const DEFAULT_LIST_LIMIT = 100;

/** An SSE comment is sent this often so proxies and idle timers keep the stream open (ms). */
export const SSE_HEARTBEAT_MS = 15_000;

/** An SSE client that lets this many bytes pile up unread is dropped. */
export const SSE_MAX_BUFFERED_BYTES = 1024 * 1024;

/** Socket and request timeouts (ms). The idle timeout outlives the longest long-poll. */
export const Timeouts = Object.freeze({
  /** Whole request headers must arrive within this (slowloris). */
  headers: 10_000,
  /** The whole request (headers and body) must arrive within this. */
  request: 30_000,
  /** An idle keep-alive connection is closed after this. */
  keepAlive: 5_000,
  /** A socket with no traffic at all is closed after this (above the 60 s long-poll cap and the SSE heartbeat). */
  idle: 90_000,
});
