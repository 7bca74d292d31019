import type { Job } from './job.js';
import type { JobOptions } from './options.js';
import { EMPTY, validateJobOptions } from './options.js';
import type { TaskArgs, TaskDefinition, TaskFn, TaskResult } from './task.js';
import type { ParamSuffix, SigInput, Signature } from './flow/flow.js';
import { signature } from './flow/flow.js';

/** What a handle needs from its app. */
export interface TaskCaller {
  callTask(def: TaskDefinition, args: unknown[], options: JobOptions): Promise<Job>;
  callTaskMany(def: TaskDefinition, argsList: readonly unknown[][], options: JobOptions): Promise<Job[]>;
}

/**
 * A task bound to an app, typed from its function: `call`, `run`,
 * `callMany` and `with`.
 */
export class TaskHandle<F extends TaskFn> {
  readonly #app: TaskCaller;
  readonly #options: JobOptions;
  /** The definition this handle calls. */
  readonly definition: TaskDefinition<F>;

  /** @internal made by `app.task()` */
  constructor(app: TaskCaller, definition: TaskDefinition<F>, options: JobOptions = EMPTY) {
    this.#app = app;
    this.definition = definition;
    this.#options = options;
  }

  /** The task's name. */
  get name(): string {
    return this.definition.name;
  }

  /** Enqueues one job; resolves once the broker accepted it. */
  call(...args: TaskArgs<F>): Promise<Job<TaskResult<F>>> {
    return this.#app.callTask(this.definition, args, this.#options) as Promise<Job<TaskResult<F>>>;
  }

  /** Enqueues and waits for the result in one step. */
  async run(...args: TaskArgs<F>): Promise<TaskResult<F>> {
    return (await this.call(...args)).result();
  }

  /** Enqueues a batch in one broker round trip. */
  callMany(argsList: readonly TaskArgs<F>[]): Promise<Job<TaskResult<F>>[]> {
    return this.#app.callTaskMany(this.definition, argsList, this.#options) as Promise<Job<TaskResult<F>>[]>;
  }

  /**
   * A signature for a flow, with this handle's options: the last arguments
   * given, the previous step's result prepended when it runs.
   * @example chain(add.sig(2, 2), add.with({ priority: 5 }).sig(4))
   */
  sig<A extends ParamSuffix<TaskArgs<F>>>(...args: A): Signature<SigInput<TaskArgs<F>, A>, TaskResult<F>> {
    return signature(this.definition, args, this.#options) as Signature<SigInput<TaskArgs<F>, A>, TaskResult<F>>;
  }

  /** A handle with these options on top (delay, priority, key…). */
  with(options: JobOptions): TaskHandle<F> {
    validateJobOptions(options);
    return new TaskHandle(this.#app, this.definition, { ...this.#options, ...options });
  }
}
