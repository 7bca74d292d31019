import type { FastifyInstance } from 'fastify';
import { EventClient } from '../events/event-client.js';
import type { EventHub, ResumePoint } from '../events/event-hub.js';
import { parseEventId } from '../events/event-hub.js';
import { HttpError, HttpErrorCodes } from '../http-error.js';
import { SSE_MAX_BUFFERED_BYTES } from '../limits.js';
import { parseInput } from '../parse-input.js';
import type { RouteContext } from '../route-context.js';
import { noQuerySchema } from '../schemas.js';

/**
 * `GET /v1/events`: Server-Sent Events for the whole server (job report
 * summaries, queue counts, workers, herd size, jobs per second), what the
 * dashboard listens to; the frames are described in `events/event-hub.ts`
 * and docs/operations.md. Same bearer auth as every `/v1/*` route; counted
 * with the job event streams against `limits.eventStreams` (429 past it).
 * A client that reconnects with `Last-Event-ID` gets the report batches it
 * missed, or a `hello` with `resumed: false` when they are gone.
 */
export function registerEventsRoute(fastify: FastifyInstance, ctx: RouteContext, hub: EventHub): void {
  fastify.get('/v1/events', async (request, reply) => {
    parseInput(noQuerySchema, request.query, 'query');
    const from = parseResumePoint(request.headers['last-event-id']);
    // The slot is taken before the await, so the server's shutdown can end the stream at any point.
    const slot: { client?: EventClient; ended: boolean } = { ended: false };
    const release = ctx.streams.acquire(() => {
      slot.ended = true;
      slot.client?.end();
    });
    let counts;
    try {
      counts = await hub.prepare();
    } catch (error) {
      release();
      throw error;
    }
    if (slot.ended) throw new HttpError(503, HttpErrorCodes.CLOSING, 'The server is shutting down');
    const raw = reply.raw;
    reply.hijack();
    if (raw.destroyed) {
      release();
      return reply;
    }
    raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
      'x-content-type-options': 'nosniff',
    });
    const opened = new EventClient(raw, SSE_MAX_BUFFERED_BYTES, (dropped) => {
      release();
      hub.leave(opened);
      if (dropped) {
        ctx.logger.warn(
          { ip: request.ip, limitBytes: SSE_MAX_BUFFERED_BYTES },
          'dropped a client of GET /v1/events that stopped reading (more than the limit waited unsent); it may reconnect',
        );
      }
    });
    slot.client = opened;
    hub.join(opened, counts, from);
    return reply;
  });
}

function parseResumePoint(header: string | string[] | undefined): ResumePoint | undefined {
  if (header === undefined) return undefined;
  const value = Array.isArray(header) ? header[0] : header;
  const point = value === undefined ? undefined : parseEventId(value);
  if (!point) {
    throw new HttpError(
      400,
      HttpErrorCodes.BAD_REQUEST,
      'header Last-Event-ID: expected the id of an event of this stream, like "3f9a0c1b2d4e.17"',
    );
  }
  return point;
}
