import type { Channel, ChannelModel, ConfirmChannel } from 'amqplib';
import { BrokerError, ClosedError } from '../../core/errors.js';
import { redact } from './options.js';
import { doublingDelay } from '../../core/backoff.js';

/** The channels of one connection. */
export interface Channels {
  /** Which connection they belong to; a delivery of an older epoch is never acked. */
  readonly epoch: number;
  /** Publishing, with publisher confirms. */
  readonly pub: ConfirmChannel;
  /** Consuming, with a channel-wide prefetch. */
  readonly sub: Channel;
  /** Declarations (a refused declaration closes only this channel). */
  readonly ctl: Channel;
}

/** Options of {@link AmqpLink}. */
export interface LinkOptions {
  url: string;
  reconnectMinMs: number;
  reconnectMaxMs: number;
  /** Called after every connection (first and re-), to set prefetch and re-consume. */
  onUp: (channels: Channels) => Promise<void>;
  /** Called when a connection is lost. */
  onDown: (epoch: number) => void;
  /** Something worth a warning happened (never thrown). */
  warn: (message: string) => void;
}

/**
 * One RabbitMQ connection with three channels, reconnected for ever.
 *
 * States: idle ──connect()──▶ open ──lost──▶ reconnecting ──up──▶ open …
 *   any ──close()──▶ closed. One reconnect runs at a time, with full-jitter
 * exponential backoff between `reconnectMinMs` and `reconnectMaxMs`. Any
 * channel that closes unasked closes the whole connection (its deliveries go
 * back to RabbitMQ together), so the epoch is the only thing to check.
 */
export class AmqpLink {
  readonly #o: LinkOptions;
  #model: ChannelModel | undefined;
  #channels: Channels | undefined;
  #epoch = 0;
  #closed = false;
  /** Set once the first connection is up: only then is a lost one reconnected. */
  #up = false;
  #reconnecting = false;
  #waiters: { resolve: (c: Channels) => void; reject: (e: Error) => void }[] = [];
  #timer: NodeJS.Timeout | undefined;

  constructor(options: LinkOptions) {
    this.#o = options;
  }

  /** The open channels, or undefined while disconnected. */
  get channels(): Channels | undefined {
    return this.#channels;
  }

  /** The current connection's epoch. */
  get epoch(): number {
    return this.#epoch;
  }

  /** First connection: fails with a BrokerError naming the URL (no retry). */
  async connect(): Promise<void> {
    if (this.#channels) return;
    await this.#open();
  }

  /** The channels, waiting up to `timeoutMs` for a reconnect. */
  ready(timeoutMs: number): Promise<Channels> {
    if (this.#closed) return Promise.reject(new ClosedError('amqp broker'));
    if (this.#channels) return Promise.resolve(this.#channels);
    return new Promise<Channels>((resolve, reject) => {
      const waiter: { resolve: (c: Channels) => void; reject: (e: Error) => void } = { resolve, reject };
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
        reject(new BrokerError(`RabbitMQ ${redact(this.#o.url)} is unreachable (waited ${timeoutMs} ms)`));
      }, timeoutMs);
      waiter.resolve = (c) => {
        clearTimeout(timer);
        resolve(c);
      };
      waiter.reject = (e: Error) => {
        clearTimeout(timer);
        reject(e);
      };
      this.#waiters.push(waiter);
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#timer);
    for (const w of this.#waiters.splice(0)) w.reject(new ClosedError('amqp broker'));
    const model = this.#model;
    this.#model = undefined;
    this.#channels = undefined;
    await model?.close().catch(() => undefined);
  }

  async #open(): Promise<void> {
    let amqp: typeof import('amqplib');
    try {
      amqp = await import('amqplib');
    } catch (error) {
      throw new BrokerError(`Could not load amqplib for ${redact(this.#o.url)}: ${String(error)}`, { cause: error });
    }
    let model: ChannelModel | undefined;
    try {
      // noDelay: a publish, its confirm and the acks are small frames; with Nagle on, one waits
      // for the peer's delayed ACK (about 40 ms) whenever another is still unacknowledged.
      model = await amqp.connect(this.#o.url, { noDelay: true, clientProperties: { connection_name: 'drover' } });
      const [pub, sub, ctl] = await Promise.all([
        model.createConfirmChannel(),
        model.createChannel(),
        model.createChannel(),
      ]);
      if (this.#closed) {
        await model.close().catch(() => undefined);
        throw new ClosedError('amqp broker');
      }
      writeOncePerTurn(model);
      const epoch = ++this.#epoch;
      const channels: Channels = { epoch, pub, sub, ctl };
      this.#watch(model, channels);
      this.#model = model;
      await this.#o.onUp(channels);
      this.#channels = channels;
      this.#up = true;
      for (const w of this.#waiters.splice(0)) w.resolve(channels);
    } catch (error) {
      await model?.close().catch(() => undefined);
      if (error instanceof ClosedError || error instanceof BrokerError) throw error;
      const reason = error instanceof Error ? error.message : String(error);
      throw new BrokerError(`Cannot connect to RabbitMQ ${redact(this.#o.url)}: ${reason}`, { cause: error });
    }
  }

  #watch(model: ChannelModel, channels: Channels): void {
    let lost = false;
    const down = (why: string): void => {
      if (lost) return;
      lost = true;
      if (this.#model === model) this.#model = undefined;
      if (this.#channels === channels) this.#channels = undefined;
      model.close().catch(() => undefined);
      if (this.#closed || !this.#up) return;
      this.#o.warn(`RabbitMQ connection lost (${why}); reconnecting`);
      this.#o.onDown(channels.epoch);
      this.#reconnect();
    };
    model.on('error', (e: Error) => down(e.message));
    model.on('close', () => down('connection closed'));
    for (const ch of [channels.pub, channels.sub, channels.ctl]) {
      ch.on('error', (e: Error) => down(`channel error: ${e.message}`));
      ch.on('close', () => down('channel closed'));
    }
  }

  #reconnect(): void {
    if (this.#reconnecting || this.#closed) return;
    this.#reconnecting = true;
    let attempt = 0;
    const tryOnce = (): void => {
      const wait = doublingDelay(this.#o.reconnectMinMs, this.#o.reconnectMaxMs, ++attempt, 'full');
      this.#timer = setTimeout(() => {
        this.#open().then(
          () => {
            this.#reconnecting = false;
          },
          (error: unknown) => {
            if (this.#closed) return;
            if (attempt === 1 || attempt % 10 === 0)
              this.#o.warn(`reconnect to RabbitMQ failed (try ${attempt}): ${String(error)}`);
            tryOnce();
          },
        );
      }, wait);
    };
    tryOnce();
  }
}

/** The part of amqplib's private frame multiplexer used here (amqplib 0.10–2.x: `connection.muxer`). */
interface Muxer {
  _readIncoming: () => void;
  out: { cork?: () => void; uncork?: () => void };
}

/**
 * amqplib writes every frame to the socket on its own: one syscall per ack
 * (bench/amqp.ts: one write per job, about 13 % of a worker's CPU). Its
 * multiplexer already drains every frame queued in a turn in one pass; corking
 * the socket around that pass sends them in one `writev`. Without the
 * expected internals (another amqplib) nothing changes.
 */
function writeOncePerTurn(model: ChannelModel): void {
  const muxer = (model as unknown as { connection?: { muxer?: Partial<Muxer> } }).connection?.muxer;
  const out = muxer?.out;
  if (!muxer || typeof muxer._readIncoming !== 'function' || !out?.cork || !out.uncork) return;
  const pass = muxer._readIncoming.bind(muxer);
  const [cork, uncork] = [out.cork.bind(out), out.uncork.bind(out)];
  muxer._readIncoming = () => {
    cork();
    try {
      pass();
    } finally {
      uncork();
    }
  };
}
