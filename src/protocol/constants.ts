/**
 * Fixed numbers of drover's worker protocol, version 1 (docs/protocol.md,
 * docs/protocol.md): the version, the path, the limits, the close codes and
 * the error codes of `error` frames. Shared by the server's gateway and the
 * remote worker, which meet only through `src/protocol/`.
 */

/** The protocol version a `hello` must name. */
export const PROTOCOL_VERSION = 1;

/** The WebSocket endpoint on a drover server. */
export const WORKER_PATH = '/v1/workers/ws';

/** Limits, in bytes and milliseconds. */
export const Limits = {
  /** Largest frame before authentication (bytes, UTF-8). */
  FRAME_BEFORE_AUTH: 4 * 1024,
  /** Largest frame after authentication (bytes). */
  FRAME: 1024 * 1024,
  /** The `auth` frame must arrive this soon after the `challenge` (ms). */
  AUTH_TIMEOUT_MS: 5_000,
  /** Deepest nesting of arrays/objects inside a frame (the frame object itself is level 1). */
  DEPTH: 64,
  /** Bad frames one connection may send before it is closed with 4400. */
  BAD_FRAMES: 10,
  /** Longest id, lease token, worker id, nonce or session key (characters). */
  ID: 256,
  /** Longest worker, task or queue name (characters). */
  NAME: 200,
  /** Most task names in a `hello`. */
  TASKS: 1_000,
  /** Largest concurrency a worker may announce. */
  CONCURRENCY: 100_000,
  /** Bytes the server lets pile up unread on one socket before it closes it (1008). */
  UNREAD: 16 * 1024 * 1024,
  /** Longest error message / stack carried in a `fail` frame (characters). */
  ERROR_MESSAGE: 8 * 1024,
  ERROR_STACK: 32 * 1024,
  /** Longest retry delay a `fail` frame can ask for (ms); a longer `delayMs` is clamped to it. */
  RETRY_DELAY_MS: 2 ** 31 - 1,
} as const;

/** WebSocket close codes the server (and the client) use. */
export const CloseCodes = {
  /** The client is done: it handed back what it held. */
  NORMAL: 1000,
  /** The server is shutting down; reconnect later. */
  GOING_AWAY: 1001,
  /** The peer does not read what it is sent (more than `Limits.UNREAD` bytes pile up). */
  POLICY: 1008,
  /** A frame was over the size limit. */
  TOO_LARGE: 1009,
  /** Repeated bad frames, or a protocol version the server does not speak. */
  PROTOCOL: 4400,
  /** Authentication failed (any reason, including the deadline). */
  AUTH_FAILED: 4401,
  /** No frame (ping) within two heartbeats: the peer is considered dead. */
  HEARTBEAT: 4408,
  /** A newer connection resumed the same session. */
  REPLACED: 4409,
  /** Too many failed handshakes from this address: reconnect with backoff (a resumed session is let in). */
  THROTTLED: 4429,
} as const;

/** Codes of `error` frames (docs/protocol.md). */
export const WireErrorCodes = {
  BAD_FRAME: 'bad_frame',
  UNKNOWN_TYPE: 'unknown_type',
  TOO_LARGE: 'too_large',
  AUTH_FAILED: 'auth_failed',
  NOT_AUTHENTICATED: 'not_authenticated',
  UNKNOWN_JOB: 'unknown_job',
  STALE_LEASE: 'stale_lease',
  THROTTLED: 'throttled',
} as const;

/** One of {@link WireErrorCodes}. */
export type WireErrorCode = (typeof WireErrorCodes)[keyof typeof WireErrorCodes];
