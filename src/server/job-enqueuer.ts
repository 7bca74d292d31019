import type { EnqueueRequest, EnqueueResult } from '../brokers/contract.js';
import type { Drover } from '../core/app.js';
import { assertEncodable } from '../core/codec.js';
import type { IdMaker } from '../core/id.js';
import { createIdMaker } from '../core/id.js';
import { assertPayloadArgs } from '../core/payload-rules.js';
import { resolveJobOptions, toEnqueueRequest, validateJobOptions } from '../core/options.js';
import { jobOptionsFromJson } from '../core/options-table.js';
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
    const options = jobOptionsFromJson(job.options);
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
