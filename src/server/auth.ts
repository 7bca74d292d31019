/**
 * Bearer-token authentication of the HTTP API (docs/reliability.md G7, S18).
 *
 * Every route says who may call it through its `access` config; a route
 * that says nothing is `protected`, so a new route is never open by accident.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { ConfigError } from '../core/errors.js';

/** Who may call a route. */
export type RouteAccess =
  /** needs the bearer secret (when the server has one) */
  | 'protected'
  /** open, unless the server was started with `protectMetrics` */
  | 'metrics'
  /** always open: liveness and the static dashboard page */
  | 'public';

/** The smallest secret drover accepts, in bytes (as gowork required). */
export const MIN_SECRET_BYTES = 32;

/** Throws a ConfigError when a secret is too short; never echoes it. */
export function checkSecret(secret: string): void {
  const bytes = Buffer.byteLength(secret, 'utf8');
  if (bytes < MIN_SECRET_BYTES) {
    throw new ConfigError(
      `The secret must be at least ${MIN_SECRET_BYTES} bytes, got ${bytes}; make one with \`drover secret\``,
    );
  }
}

/**
 * Checks `Authorization: Bearer <secret>` headers in constant time: both
 * sides are hashed first, so neither the length nor a prefix of the secret
 * leaks through timing.
 */
export class BearerAuth {
  readonly #digest: Buffer;

  constructor(secret: string) {
    checkSecret(secret);
    this.#digest = sha256(secret);
  }

  /** True when the header carries the secret. */
  verify(header: string | undefined): boolean {
    if (typeof header !== 'string') return false;
    const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
    if (!match) return false;
    const given = sha256(match[1]!);
    return given.length === this.#digest.length && timingSafeEqual(given, this.#digest);
  }
}

function sha256(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}
