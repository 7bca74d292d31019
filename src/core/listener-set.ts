/**
 * Listener sets of the brokers (`onReady`, `onCancel`, `onReport`): adding
 * returns the unsubscribe, and a throwing listener is reported as a process
 * warning naming the owner — never fatal, never stopping the others, and
 * each distinct message once per set (a listener that throws on every job
 * does not flood the log).
 */

/** Distinct warnings remembered per set; past it the memory starts over. */
const MAX_WARNED = 100;

/** Listeners called with `A`; each `add` is its own entry, even for one function added twice. */
export class ListenerSet<A extends unknown[]> {
  readonly #entries = new Set<(...args: A) => void>();
  readonly #owner: string;
  readonly #warned = new Set<string>();

  /** `owner` names who calls them in the warning, e.g. `drover sqlite broker`. */
  constructor(owner: string) {
    this.#owner = owner;
  }

  /** How many are subscribed. */
  get size(): number {
    return this.#entries.size;
  }

  /** Subscribes; returns the unsubscribe. */
  add(listener: (...args: A) => void): () => void {
    const entry = (...args: A): void => listener(...args);
    this.#entries.add(entry);
    return () => void this.#entries.delete(entry);
  }

  /** Calls every listener now. */
  emit(...args: A): void {
    for (const listener of this.#entries) {
      try {
        listener(...args);
      } catch (error) {
        this.#warn(`${this.#owner}: a listener threw: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }

  /** Drops every listener. */
  clear(): void {
    this.#entries.clear();
  }

  #warn(message: string): void {
    if (this.#warned.has(message)) return;
    if (this.#warned.size >= MAX_WARNED) this.#warned.clear();
    this.#warned.add(message);
    process.emitWarning(message);
  }
}

/**
 * A "something changed" signal (`onReady`): many fires within one turn
 * reach each listener once, in a microtask, so a batch of a thousand
 * enqueues wakes a herd once, not a thousand times.
 */
export class CoalescedSignal {
  readonly #listeners: ListenerSet<[]>;
  #scheduled = false;

  /** See {@link ListenerSet}'s `owner`. */
  constructor(owner: string) {
    this.#listeners = new ListenerSet(owner);
  }

  /** Subscribes; returns the unsubscribe. */
  add(listener: () => void): () => void {
    return this.#listeners.add(listener);
  }

  /** Schedules one call of every listener for the end of this turn. */
  fire(): void {
    if (this.#scheduled || this.#listeners.size === 0) return;
    this.#scheduled = true;
    queueMicrotask(() => {
      this.#scheduled = false;
      this.#listeners.emit();
    });
  }

  /** Drops every listener. */
  clear(): void {
    this.#listeners.clear();
  }
}
