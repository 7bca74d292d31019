import type { Logger } from 'pino';

/** Addresses tracked per window; failures from more are counted together. */
const MAX_ADDRESSES = 1_000;

/**
 * Logs refused credentials without letting a brute force fill the log
 * (docs/reliability.md S16): per window, the first failure of an address is
 * one warning line; the rest are counted and logged as one summary line per
 * address when the window ends. Memory is bounded by {@link MAX_ADDRESSES}.
 * Callers pass only safe details: never a token, a query string or a proof.
 */
export class FailureLog {
  readonly #logger: Logger;
  readonly #what: string;
  readonly #windowMs: number;
  readonly #counts = new Map<string, number>();
  #overflow = 0;
  #timer: NodeJS.Timeout | undefined;

  /** `what` names the failures in log lines, e.g. `'requests without the right bearer token'`. */
  constructor(logger: Logger, what: string, windowMs = 10_000) {
    this.#logger = logger;
    this.#what = what;
    this.#windowMs = windowMs;
  }

  /** Notes one failure from `address`; `detail` goes into the first line of the window. */
  note(address: string, detail: Record<string, unknown>, message: string): void {
    const count = this.#counts.get(address);
    if (count === undefined) {
      if (this.#counts.size >= MAX_ADDRESSES) {
        this.#overflow++;
      } else {
        this.#counts.set(address, 0);
        this.#logger.warn({ ...detail, ip: address }, message);
      }
    } else {
      this.#counts.set(address, count + 1);
    }
    this.#timer ??= setTimeout(() => this.#flush(), this.#windowMs).unref();
  }

  /** Logs what is pending and stops the timer. */
  close(): void {
    clearTimeout(this.#timer);
    this.#flush();
  }

  #flush(): void {
    this.#timer = undefined;
    const seconds = Math.round(this.#windowMs / 1000);
    for (const [ip, more] of this.#counts) {
      if (more > 0)
        this.#logger.warn({ ip, count: more }, `refused ${more} more ${this.#what} from ${ip} in ${seconds} s`);
    }
    if (this.#overflow > 0) {
      this.#logger.warn(
        { count: this.#overflow },
        `refused ${this.#overflow} ${this.#what} from more than ${MAX_ADDRESSES} other addresses in ${seconds} s`,
      );
    }
    this.#counts.clear();
    this.#overflow = 0;
  }
}
