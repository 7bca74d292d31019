import { z } from 'zod';

/**
 * A ticket: the message RabbitMQ carries for one job. It names the job and
 * the state change it announces (`gen`, `nonce`, see `backend.ts`); the job
 * itself (args, options, state) lives in the result backend.
 *
 * Body: JSON `[id, gen, nonce, priority, publishedAt, dueAt]`.
 */
export interface Ticket {
  id: string;
  gen: number;
  nonce: string;
  /** drover's own priority, exact (the AMQP priority is a bucket of it). */
  priority: number;
  /** When it was published (publisher's clock, epoch ms). */
  at: number;
  /** When the job is due (publisher's clock); equals `at` when not delayed. */
  dueAt: number;
}

const TicketBody = z.tuple([
  z.string().min(1).max(1024),
  z.number().int().min(1),
  z.string().min(1).max(128),
  z.number().int(),
  z.number().int().min(0),
  z.number().int().min(0),
]);

/** The message body of a ticket. */
export function encodeTicket(t: Ticket): Buffer {
  return Buffer.from(JSON.stringify([t.id, t.gen, t.nonce, t.priority, t.at, t.dueAt]));
}

/** Reads a ticket; undefined for a body that is not one (it came from outside: never trusted). */
export function decodeTicket(body: Buffer): Ticket | undefined {
  if (body.length > 2048) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
  const parsed = TicketBody.safeParse(value);
  if (!parsed.success) return undefined;
  const [id, gen, nonce, priority, at, dueAt] = parsed.data;
  return { id, gen, nonce, priority, at, dueAt };
}

/** A ticket for a job's `gen`. */
export function ticketOf(
  id: string,
  gen: number,
  nonce: string,
  priority: number,
  now: number,
  delayMs: number,
): Ticket {
  return { id, gen, nonce, priority, at: now, dueAt: now + delayMs };
}
