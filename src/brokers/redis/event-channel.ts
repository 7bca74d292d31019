import type { RedisClient } from './redis-clients.js';

/** What the event channel hands on. */
export interface EventHandlers {
  /** Jobs may have become leasable somewhere. */
  ready(): void;
  /** An active job was cancelled (by any process). */
  cancelled(jobId: string): void;
  /** A report of a watched job: its id and log entry. */
  report(jobId: string, entry: string): void;
  /** A watchdog heartbeat came back. */
  heartbeat(token: string): void;
  /** The subscription is (re-)established: whatever was missed meanwhile must be looked at again. */
  resubscribed(): void;
}

/**
 * The subscriber side of the prefix's event channel (`{prefix}:ev`, see
 * `lua/lib.lua` for the messages). One connection per broker, subscribed
 * once at connect, so a watch costs no SUBSCRIBE round trip. ioredis
 * resubscribes after a reconnect; `resubscribed` then lets the broker wake
 * its herd and catch watchers up, since messages published meanwhile are lost.
 *
 * States: created ──start()──▶ subscribed ⇄ reconnecting ──stop()──▶ stopped.
 */
export class EventChannel {
  readonly #client: RedisClient;
  readonly #channel: string;
  readonly #handlers: EventHandlers;
  #subscribedOnce = false;

  constructor(client: RedisClient, channel: string, handlers: EventHandlers) {
    this.#client = client;
    this.#channel = channel;
    this.#handlers = handlers;
  }

  /** Connects and subscribes. */
  async start(): Promise<void> {
    const client = this.#client;
    client.on('message', (channel: string, message: string) => {
      if (channel === this.#channel) this.#dispatch(message);
    });
    client.on('ready', () => {
      // The first `ready` is the initial connect; later ones follow a reconnect.
      if (this.#subscribedOnce) this.#handlers.resubscribed();
    });
    await client.connect();
    await client.subscribe(this.#channel);
    this.#subscribedOnce = true;
  }

  /** Forces a reconnect (the watchdog found the connection up but silent). */
  reconnect(): void {
    this.#client.disconnect(true);
  }

  /** Closes the connection. */
  stop(): void {
    this.#client.disconnect(false);
  }

  #dispatch(message: string): void {
    const type = message[0];
    if (type === 'q') this.#handlers.ready();
    else if (type === 'c') this.#handlers.cancelled(message.slice(1));
    else if (type === 'h') this.#handlers.heartbeat(message.slice(1));
    else if (type === 'r') {
      const newline = message.indexOf('\n');
      if (newline > 1) this.#handlers.report(message.slice(1, newline), message.slice(newline + 1));
    }
  }
}
