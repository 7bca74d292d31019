import type { Logger } from 'pino';
import type { Broker } from '../brokers/contract.js';
import { doublingDelay } from '../core/backoff.js';
import { ErrorCodes, isDroverError } from '../core/errors.js';

/** How {@link connectWithRetry} tries. */
export interface ConnectRetryOptions {
  /** Makes a new, unconnected broker for each try (a failed one is closed and dropped). */
  make: () => Promise<Broker> | Broker;
  /** Keep trying this long (ms) in all; 0 = one try. */
  timeoutMs: number;
  /** Backoff between tries: full jitter, doubling from `minMs` up to `maxMs`. */
  minMs: number;
  maxMs: number;
  /** Names the broker in logs, credentials removed. */
  label: string;
  logger: Logger;
}

/**
 * Connects a worker's broker, trying again with backoff while it cannot be
 * reached (a worker started before its RabbitMQ, Redis or server, as in a
 * compose file or after a reboot), until `timeoutMs` has passed. A refusal
 * that another try cannot fix — bad options, a wrong secret — fails at once.
 */
export async function connectWithRetry(options: ConnectRetryOptions): Promise<Broker> {
  const { make, timeoutMs, minMs, maxMs, label, logger } = options;
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 1; ; attempt++) {
    const broker = await make();
    try {
      await broker.connect();
      if (attempt > 1) logger.info({ broker: label, attempt }, `reached ${label}`);
      return broker;
    } catch (error) {
      await broker.close().catch(() => undefined);
      const wait = doublingDelay(minMs, maxMs, attempt, 'equal');
      if (!retryable(error) || Date.now() + wait > deadline) throw error;
      logger.warn(
        { broker: label, attempt, retryInMs: wait, err: error },
        `cannot reach ${label} yet; trying again in ${wait} ms`,
      );
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }
}

/** Only an unreachable broker is worth another try. */
function retryable(error: unknown): boolean {
  if (!isDroverError(error)) return true;
  return (
    error.code !== ErrorCodes.CONFIG && error.code !== ErrorCodes.AUTH && error.code !== ErrorCodes.INVALID_ARGUMENT
  );
}
