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

/** A string of `min` to `max` characters. */
function isText(v: unknown, min: number, max: number): v is string {
  return typeof v === 'string' && v.length >= min && v.length <= max;
}

/** A safe integer not below `min`. */
function isInt(v: unknown, min: number): v is number {
  return Number.isSafeInteger(v) && (v as number) >= min;
}

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
  // Checked by hand, not with a schema: this runs for every delivery.
  if (!Array.isArray(value) || value.length !== 6) return undefined;
  const [id, gen, nonce, priority, at, dueAt] = value as unknown[];
  if (!isText(id, 1, 1024) || !isInt(gen, 1) || !isText(nonce, 1, 128)) return undefined;
  if (!isInt(priority, Number.MIN_SAFE_INTEGER) || !isInt(at, 0) || !isInt(dueAt, 0)) return undefined;
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
