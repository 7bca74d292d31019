import type { EnqueueRequest, EnqueueResult } from '../brokers/contract.js';
import type { Drover } from '../core/app.js';
import { assertEncodable } from '../core/codec.js';
import type { IdMaker } from '../core/id.js';
import { createIdMaker } from '../core/id.js';
import { assertPayloadArgs } from '../core/payload-rules.js';
import type { JobOptions } from '../core/options.js';
import { resolveJobOptions, toEnqueueRequest, validateJobOptions } from '../core/options.js';
import { HttpError, HttpErrorCodes } from './http-error.js';
import type { JobRequest } from './schemas.js';

/**
 * Turns validated `POST /v1/jobs` bodies into broker requests and enqueues
 * them in one broker call, so a batch is one round trip (and one
 * transaction on SQLite) whatever tasks and options it mixes.
 *
 * Tasks the server does not know are accepted: remote workers may serve
 * them. A task registered in the server contributes its default options,
 * as `app.call` does.
 */
export class JobEnqueuer {
  readonly #app: Drover;
  readonly #ids: IdMaker;

  constructor(app: Drover, ids: IdMaker = createIdMaker()) {
    this.#app = app;
    this.#ids = ids;
  }

  /** Enqueues the jobs; `where` names the body in error messages (`body`, `body[3]`). */
  async enqueue(jobs: readonly JobRequest[], where: (index: number) => string): Promise<EnqueueResult[]> {
    const requests = new Array<EnqueueRequest>(jobs.length);
    const now = Date.now();
    for (let i = 0; i < jobs.length; i++) requests[i] = this.#request(jobs[i]!, where(i), now);
    const broker = await this.#app.broker();
    return broker.enqueue(requests);
  }

  #request(job: JobRequest, where: string, now: number): EnqueueRequest {
    const options = toJobOptions(job.options);
    try {
      validateJobOptions(options, `${where}.options`);
      assertPayloadArgs(job.args, `${where}.args`);
      assertEncodable(this.#app.codec, job.args, `${where}.args`);
    } catch (error) {
      throw new HttpError(400, HttpErrorCodes.BAD_REQUEST, error instanceof Error ? error.message : String(error));
    }
    const defaults = this.#app.getTask(job.task)?.options ?? {};
    return toEnqueueRequest(this.#ids(), job.task, job.args, resolveJobOptions(job.task, defaults, options, now));
  }
}

/** JSON options to {@link JobOptions}: drops absent keys, turns `runAt` into a Date. */
function toJobOptions(input: JobRequest['options']): JobOptions {
  const out: JobOptions = {};
  if (!input) return out;
  if (input.retries !== undefined) out.retries = input.retries;
  if (input.timeout !== undefined) out.timeout = input.timeout;
  if (input.delay !== undefined) out.delay = input.delay;
  if (input.runAt !== undefined) out.runAt = new Date(input.runAt);
  if (input.priority !== undefined) out.priority = input.priority;
  if (input.key !== undefined) out.key = input.key;
  if (input.queue !== undefined) out.queue = input.queue;
  if (input.backoff !== undefined) {
    const backoff: NonNullable<JobOptions['backoff']> = {};
    if (input.backoff.type !== undefined) backoff.type = input.backoff.type;
    if (input.backoff.delay !== undefined) backoff.delay = input.backoff.delay;
    if (input.backoff.max !== undefined) backoff.max = input.backoff.max;
    if (input.backoff.jitter !== undefined) backoff.jitter = input.backoff.jitter;
    out.backoff = backoff;
  }
  return out;
}
