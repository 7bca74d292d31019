import { randomBytes } from 'node:crypto';

/** What the watchdog checks and what it can do. */
export interface WatchdogTarget {
  /** PING on the command connection; resolves when answered. */
  ping(): Promise<unknown>;
  /** Publishes a heartbeat on the event channel. */
  publishHeartbeat(token: string): Promise<unknown>;
  /** True while the command connection says it is up. */
  commandsUp(): boolean;
  /** True while the subscriber says it is up. */
  subscriberUp(): boolean;
  /** Drops and re-opens the command connection. */
  reconnectCommands(): void;
  /** Drops and re-opens the subscriber. */
  reconnectSubscriber(): void;
}

/**
 * Notices a connection that is "up" but not delivering (a half-open TCP
 * connection, a proxy that stopped forwarding, a subscriber Redis dropped
 * for its output buffer: BullMQ's best-known failure) and re-establishes it.
 *
 * Every `interval`: the command connection must answer a PING within the
 * interval, and a heartbeat published through it must come back on the
 * event channel before the next tick. A miss while the connection claims to
 * be up reconnects it. Timer unref'd; `stop()` ends it.
 */
export class Watchdog {
  readonly #target: WatchdogTarget;
  readonly #interval: number;
  readonly #timer: NodeJS.Timeout;
  /** The heartbeat in flight, until it comes back. */
  #expected: string | undefined;
  #pinging = false;

  constructor(target: WatchdogTarget, interval: number) {
    this.#target = target;
    this.#interval = interval;
    this.#timer = setInterval(() => this.#tick(), interval).unref();
  }

  /** A heartbeat arrived on the event channel. */
  heard(token: string): void {
    if (token === this.#expected) this.#expected = undefined;
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  #tick(): void {
    const t = this.#target;
    if (!t.commandsUp()) return;
    if (this.#expected !== undefined && t.subscriberUp()) {
      this.#expected = undefined;
      t.reconnectSubscriber();
    }
    if (!this.#pinging) {
      this.#pinging = true;
      let answered = false;
      const timer = setTimeout(() => {
        if (!answered && t.commandsUp()) t.reconnectCommands();
      }, this.#interval).unref();
      t.ping().then(
        () => {
          answered = true;
          this.#pinging = false;
          clearTimeout(timer);
        },
        () => {
          answered = true;
          this.#pinging = false;
          clearTimeout(timer);
        },
      );
    }
    if (t.subscriberUp()) {
      const token = randomBytes(6).toString('hex');
      this.#expected = token;
      t.publishHeartbeat(token).catch(() => {
        if (this.#expected === token) this.#expected = undefined;
      });
    }
  }
}
