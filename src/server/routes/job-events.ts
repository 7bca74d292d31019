import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ReportWatch } from '../../brokers/contract.js';
import type { Report } from '../../core/report.js';
import { isTerminalReport } from '../../core/report.js';
import { HISTORY_END_COMMENT } from '../../client/index.js';
import { HttpError, HttpErrorCodes, jobNotFound } from '../http-error.js';
import { SSE_HEARTBEAT_MS, SSE_MAX_BUFFERED_BYTES } from '../limits.js';
import { parseInput } from '../parse-input.js';
import type { RouteContext } from '../route-context.js';
import { idParamsSchema, noQuerySchema } from '../schemas.js';

/**
 * `GET /v1/jobs/:id/events`: Server-Sent Events, one event per report —
 * every report so far, then live ones; the stream ends after the terminal
 * one. Each event is `event: <status>`, `id: <n>` (its index, so a client
 * that reconnects with `Last-Event-ID` gets only what it missed) and
 * `data: <report JSON>`; the comment `: history-end` follows the past ones. A reconnect after the end gets 204, which tells
 * an EventSource to stop.
 *
 * Stream states: buffering (watch taken, headers not sent) ──▶ open ──▶ ended
 * (terminal report, client gone, too slow, or server closing).
 */
export function registerJobEventsRoute(fastify: FastifyInstance, ctx: RouteContext): void {
  fastify.get('/v1/jobs/:id/events', async (request, reply) => {
    const { id } = parseInput(idParamsSchema, request.params, 'path');
    parseInput(noQuerySchema, request.query, 'query');
    const lastSeen = parseLastEventId(request.headers['last-event-id']);
    const broker = await ctx.broker();
    const stream = new ReportStream(reply, lastSeen);
    const release = ctx.streams.acquire(() => stream.end());
    let watch: ReportWatch | undefined;
    try {
      watch = await broker.watch(id, (report) => stream.push(report));
    } catch (error) {
      release();
      throw error;
    }
    if (!watch) {
      release();
      throw jobNotFound(id);
    }
    const active = watch;
    stream.onEnd(() => {
      active.stop();
      release();
    });
    if (!stream.open(watch.history)) throw new HttpError(503, HttpErrorCodes.CLOSING, 'The server is shutting down');
    return reply;
  });
}

function parseLastEventId(header: string | string[] | undefined): number {
  if (header === undefined) return -1;
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined || !/^\d{1,9}$/.test(value)) {
    throw new HttpError(
      400,
      HttpErrorCodes.BAD_REQUEST,
      'header Last-Event-ID: expected the non-negative integer id of an event',
    );
  }
  return Number(value);
}

/** One client's event stream. */
class ReportStream {
  readonly #reply: FastifyReply;
  readonly #lastSeen: number;
  #pending: Report[] | undefined = [];
  #next = 0;
  #ended = false;
  #heartbeat: NodeJS.Timeout | undefined;
  #onEnd: (() => void) | undefined;

  constructor(reply: FastifyReply, lastSeen: number) {
    this.#reply = reply;
    this.#lastSeen = lastSeen;
  }

  onEnd(listener: () => void): void {
    this.#onEnd = listener;
    if (this.#ended) listener();
  }

  /** A live report: written now, or kept until the history is out. */
  push(report: Report): void {
    if (this.#ended) return;
    if (this.#pending) this.#pending.push(report);
    else this.#write(report);
  }

  /** Sends the headers, the history and what arrived meanwhile; false if it ended before (server closing). */
  open(history: readonly Report[]): boolean {
    if (this.#ended) return false;
    const all = [...history, ...(this.#pending ?? [])];
    this.#pending = undefined;
    const raw = this.#reply.raw;
    if (
      this.#lastSeen >= 0 &&
      all.length > 0 &&
      this.#lastSeen >= all.length - 1 &&
      isTerminalReport(all[all.length - 1]!)
    ) {
      // Everything was seen and the job is over: 204 stops an EventSource from reconnecting.
      this.#reply.hijack();
      raw.writeHead(204, { 'cache-control': 'no-store' });
      raw.end();
      this.end();
      return true;
    }
    this.#reply.hijack();
    raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
      'x-content-type-options': 'nosniff',
    });
    raw.on('close', () => this.end());
    raw.write('retry: 2000\n\n');
    this.#heartbeat = setInterval(() => raw.write(': keep-alive\n\n'), SSE_HEARTBEAT_MS);
    for (const report of all) {
      this.#write(report);
      if (this.#ended) break;
    }
    // Past reports end here: the `ws://` broker's watch() tells its history from live news by this comment.
    if (!this.#ended) raw.write(`: ${HISTORY_END_COMMENT}\n\n`);
    return true;
  }

  /** Ends the stream and releases its watch (idempotent). */
  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    clearInterval(this.#heartbeat);
    const raw = this.#reply.raw;
    if (this.#pending === undefined && !raw.writableEnded) raw.end();
    this.#onEnd?.();
  }

  #write(report: Report): void {
    const index = this.#next++;
    const raw = this.#reply.raw;
    if (index > this.#lastSeen) {
      raw.write(`id: ${index}\nevent: ${report.status}\ndata: ${JSON.stringify(report)}\n\n`);
      if (raw.writableLength > SSE_MAX_BUFFERED_BYTES) return this.end();
    }
    if (isTerminalReport(report)) this.end();
  }
}
