/**
 * The messages of protocol v1, one zod schema each, discriminated by the
 * string `type`. Client → server: `hello`, `auth`, `progress`, `done`,
 * `fail`, `release`, `credit`, `tasks`, `ping`. Server → client: `challenge`,
 * `welcome`, `job`, `pong`, `cancel`, `error`. docs/protocol.md describes
 * every field; unknown extra fields are ignored (forward compatibility).
 */
import { z } from 'zod';
import { storedJobOptionsSchema } from '../core/options-table.js';
import { NO_CONTROL_CHARS } from '../core/validate.js';
import { Limits } from './constants.js';

const NO_CONTROL = NO_CONTROL_CHARS;

const id = z.string().min(1).max(Limits.ID);
const name = z.string().min(1).max(Limits.NAME).regex(NO_CONTROL);
const int = (min: number, max: number): z.ZodNumber => z.number().int().min(min).max(max);

/** An error as it crosses the wire: `{ name, message, stack?, code? }`. */
export const wireErrorSchema = z.object({
  name: z.string().max(Limits.NAME),
  message: z.string(),
  stack: z.string().optional(),
  code: z.string().max(Limits.NAME).optional(),
});

/** Options of a job the worker needs to run it: timeout and how to retry (the stored options of the options table). */
export const wireJobOptionsSchema = storedJobOptionsSchema;

/** Client → server: the first frame. `tasks` are the queues the worker takes jobs from. */
export const helloSchema = z.object({
  type: z.literal('hello'),
  protocol: z.number(),
  name,
  tasks: z.array(name).min(1).max(Limits.TASKS),
  concurrency: int(0, Limits.CONCURRENCY),
  session: id.optional(),
});

/** Client → server: the answer to the challenge. Checked loosely here; the proof itself is checked by `verifyProof`. */
export const authSchema = z.object({
  type: z.literal('auth'),
  workerId: z.string().max(Limits.ID),
  clientNonce: z.string().max(Limits.ID),
  proof: z.string().max(Limits.ID),
});

/** Client → server: progress of a job it holds. */
export const progressSchema = z.object({ type: z.literal('progress'), id, lease: id, value: z.unknown().optional() });

/** Client → server: a job it holds succeeded. */
export const doneSchema = z.object({ type: z.literal('done'), id, lease: id, result: z.unknown().optional() });

/** Client → server: an attempt failed; `retry` asks for another attempt after `delayMs`. */
export const failSchema = z.object({
  type: z.literal('fail'),
  id,
  lease: id,
  error: wireErrorSchema,
  retry: z.boolean(),
  /** Clamped to `Limits.RETRY_DELAY_MS` (about 24.8 days): a longer delay asked for is not refused. */
  delayMs: z
    .int()
    .min(0)
    .transform((v) => Math.min(v, Limits.RETRY_DELAY_MS))
    .optional(),
});

/** Client → server: hands a job back unfinished (shutdown, shrinking); the attempt is not counted. */
export const releaseSchema = z.object({ type: z.literal('release'), id, lease: id });

/** Client → server: the worker's concurrency is now this. */
export const creditSchema = z.object({ type: z.literal('credit'), concurrency: int(0, Limits.CONCURRENCY) });

/**
 * Client → server, after `welcome`: the full list of queues to take jobs
 * from, replacing the `hello` list (a long list does not fit the 4 KiB
 * frame limit before auth).
 */
export const tasksSchema = z.object({ type: z.literal('tasks'), tasks: z.array(name).min(1).max(Limits.TASKS) });

/** Client → server: heartbeat. `t` is echoed in the pong. */
export const pingSchema = z.object({ type: z.literal('ping'), t: z.number().optional() });

/** Server → client: answer `hello` with a single-use nonce. */
export const challengeSchema = z.object({ type: z.literal('challenge'), workerId: id, nonce: id });

/** Server → client: authenticated. The client checks `serverProof` before anything else. */
export const welcomeSchema = z.object({
  type: z.literal('welcome'),
  session: id,
  serverProof: id,
  heartbeatMs: int(10, 2 ** 31 - 1),
  leaseMs: int(10, 2 ** 31 - 1),
});

/** Server → client: a leased job. `deadline` is informational (server clock); use `options.timeout`. */
export const jobSchema = z.object({
  type: z.literal('job'),
  id,
  lease: id,
  task: name,
  queue: name,
  args: z.array(z.unknown()),
  attempt: int(1, Number.MAX_SAFE_INTEGER),
  deadline: z.number().nullable(),
  options: wireJobOptionsSchema,
});

/** Server → client: heartbeat answer. */
export const pongSchema = z.object({ type: z.literal('pong'), t: z.number().optional() });

/** Server → client: stop this job (cancelled, or its lease is lost); send no outcome for it. */
export const cancelSchema = z.object({ type: z.literal('cancel'), id });

/** Server → client: something was refused. `id` names the job when there is one. */
export const errorSchema = z.object({
  type: z.literal('error'),
  code: z.string().max(Limits.NAME),
  message: z.string().max(Limits.ERROR_MESSAGE),
  id: id.optional(),
});

/** Schemas of the frames a client sends, by type. */
export const clientSchemas = {
  hello: helloSchema,
  auth: authSchema,
  progress: progressSchema,
  done: doneSchema,
  fail: failSchema,
  release: releaseSchema,
  credit: creditSchema,
  tasks: tasksSchema,
  ping: pingSchema,
} as const;

/** Schemas of the frames a server sends, by type. */
export const serverSchemas = {
  challenge: challengeSchema,
  welcome: welcomeSchema,
  job: jobSchema,
  pong: pongSchema,
  cancel: cancelSchema,
  error: errorSchema,
} as const;

/** An error as it crosses the wire. */
export type WireError = z.infer<typeof wireErrorSchema>;
/** The options of a job a worker needs. */
export type WireJobOptions = z.infer<typeof wireJobOptionsSchema>;
/** A `hello` frame. */
export type HelloMessage = z.infer<typeof helloSchema>;
/** An `auth` frame. */
export type AuthMessage = z.infer<typeof authSchema>;
/** A `progress` frame. */
export type ProgressMessage = z.infer<typeof progressSchema>;
/** A `done` frame. */
export type DoneMessage = z.infer<typeof doneSchema>;
/** A `fail` frame. */
export type FailMessage = z.infer<typeof failSchema>;
/** A `release` frame. */
export type ReleaseMessage = z.infer<typeof releaseSchema>;
/** A `credit` frame. */
export type CreditMessage = z.infer<typeof creditSchema>;
/** A `ping` frame. */
export type PingMessage = z.infer<typeof pingSchema>;
/** A `tasks` frame. */
export type TasksMessage = z.infer<typeof tasksSchema>;
/** A `challenge` frame. */
export type ChallengeMessage = z.infer<typeof challengeSchema>;
/** A `welcome` frame. */
export type WelcomeMessage = z.infer<typeof welcomeSchema>;
/** A `job` frame. */
export type JobMessage = z.infer<typeof jobSchema>;
/** A `pong` frame. */
export type PongMessage = z.infer<typeof pongSchema>;
/** A `cancel` frame. */
export type CancelMessage = z.infer<typeof cancelSchema>;
/** An `error` frame. */
export type ErrorMessage = z.infer<typeof errorSchema>;

/** Any frame a client sends. */
export type ClientMessage =
  | HelloMessage
  | AuthMessage
  | ProgressMessage
  | DoneMessage
  | FailMessage
  | ReleaseMessage
  | CreditMessage
  | TasksMessage
  | PingMessage;

/** Any frame a server sends. */
export type ServerMessage = ChallengeMessage | WelcomeMessage | JobMessage | PongMessage | CancelMessage | ErrorMessage;
