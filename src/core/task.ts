import type { JobOptions } from './options.js';
import type { ParamSuffix, SigInput, Signature } from './flow/flow.js';
import { signature } from './flow/flow.js';
import type { TaskOptions, TaskQueueSettings } from './task-settings.js';
import { splitTaskOptions } from './task-settings.js';
import { checkName, fail } from './validate.js';

/** Any function of positional arguments, sync or async. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type TaskFn = (...args: any[]) => unknown;

/** The arguments of a task function. */
export type TaskArgs<F extends TaskFn> = Parameters<F>;

/** What a task function resolves to. */
export type TaskResult<F extends TaskFn> = Awaited<ReturnType<F>>;

/** A task defined but not bound to an app: share it between caller and worker modules. */
export interface TaskDefinition<F extends TaskFn = TaskFn> {
  readonly kind: 'drover.task';
  readonly name: string;
  readonly fn: F;
  readonly options: JobOptions;
  /**
   * A signature for a flow: a call not yet made, with the last arguments
   * given (the previous step's result becomes the first).
   * @example chain(add.sig(2, 2), add.sig(4))
   */
  sig<A extends ParamSuffix<TaskArgs<F>>>(...args: A): Signature<SigInput<TaskArgs<F>, A>, TaskResult<F>>;
  /** Settings of the task's queue given with it (`rateLimit`, `groupConcurrency`), written to the broker. */
  readonly settings?: TaskQueueSettings | undefined;
}

/**
 * Defines a task without an app, for modules shared by callers and workers.
 * @example export const resize = task('resize', async (url: string, width: number) => url);
 */
export function task<F extends TaskFn>(name: string, fn: F, options: TaskOptions = {}): TaskDefinition<F> {
  checkName('name', name);
  if (typeof fn !== 'function') fail('fn', 'a function', fn);
  const { job, settings } = splitTaskOptions(options);
  const def: TaskDefinition<F> = Object.freeze({
    kind: 'drover.task',
    name,
    fn,
    options: Object.freeze({ ...job }),
    settings,
    sig: (...args: unknown[]) => signature(def, args, {}),
  }) as TaskDefinition<F>;
  return def;
}

/** True for a value made by {@link task}. */
export function isTaskDefinition(value: unknown): value is TaskDefinition {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { kind?: unknown }).kind === 'drover.task' &&
    typeof (value as { fn?: unknown }).fn === 'function'
  );
}
