import { Command, InvalidArgumentError } from 'commander';
import { clientFrom, withClientOptions } from '../client-options.js';
import { integer } from '../option-parsers.js';

interface QueueCliOptions {
  server: string;
  secretFile?: string;
}

const encode = (queue: string): string => encodeURIComponent(queue);

/** Commander keeps the raw text when a parser returns null: `none` stays a word until the patch is made. */
const NONE = 'none';

/** `--rate-limit <max>/<ms>`, or `none`. */
function rateLimit(value: string): { max: number; per: number } | typeof NONE {
  if (value === NONE) return NONE;
  const match = /^(\d{1,7})\/(\d{1,10})$/.exec(value.trim());
  if (!match) throw new InvalidArgumentError('expected <max>/<ms> such as 100/1000, or none');
  return { max: Number(match[1]), per: Number(match[2]) };
}

/** `--group-concurrency <n>`, or `none`. */
function groupConcurrency(value: string): number | typeof NONE {
  return value === NONE ? NONE : integer(1, 1_000_000)(value);
}

/**
 * `drover queue pause|resume|drain|retry-failed|purge|show|set <queue>`:
 * one queue's controls through the server (docs/flow-control.md). The server
 * validates the values again; its message comes back as the one-line reason.
 */
export function queueCommand(): Command {
  const queue = new Command('queue').description(
    'control one queue: pause, resume, drain, retry-failed, purge, show, set',
  );
  const action = (name: string, description: string, path: string, print: (body: Record<string, unknown>) => string) =>
    withClientOptions(new Command(name).description(description).argument('<queue>', 'queue name')).action(
      async (q: string, options: QueueCliOptions) => {
        const { body } = await clientFrom(options).json<Record<string, unknown>>(
          'POST',
          `/v1/queues/${encode(q)}/${path}`,
        );
        process.stdout.write(`${print(body)}\n`);
      },
    );
  const settingsLine = (body: Record<string, unknown>): string =>
    `${String(body.queue)} ${JSON.stringify(body.settings)}`;
  const countLine = (verb: string) => (body: Record<string, unknown>) =>
    `${String(body.queue)} ${verb} ${String(body.count)}`;
  queue.addCommand(
    action('pause', 'workers stop leasing from the queue (its jobs stay queued)', 'pause', settingsLine),
  );
  queue.addCommand(action('resume', 'workers lease from the queue again', 'resume', settingsLine));
  queue.addCommand(action('drain', 'cancel every job that waits (queued or delayed)', 'drain', countLine('drained')));
  queue.addCommand(
    action('retry-failed', 're-run every failed job of the queue', 'retry-failed', countLine('retried')),
  );
  queue.addCommand(
    withClientOptions(
      new Command('purge')
        .description('delete finished jobs of the queue (all, or those finished --older-than ms ago)')
        .argument('<queue>', 'queue name')
        .option(
          '--older-than <ms>',
          'only jobs finished at least this many ms ago',
          integer(0, Number.MAX_SAFE_INTEGER),
        ),
    ).action(async (q: string, options: QueueCliOptions & { olderThan?: number }) => {
      const body = options.olderThan === undefined ? {} : { olderThan: options.olderThan };
      const answer = await clientFrom(options).json<Record<string, unknown>>(
        'POST',
        `/v1/queues/${encode(q)}/purge`,
        body,
      );
      process.stdout.write(`${countLine('purged')(answer.body)}\n`);
    }),
  );
  queue.addCommand(
    withClientOptions(
      new Command('show').description("the queue's settings and limits as JSON").argument('<queue>', 'queue name'),
    ).action(async (q: string, options: QueueCliOptions) => {
      const { body } = await clientFrom(options).json('GET', `/v1/queues/${encode(q)}`);
      process.stdout.write(`${JSON.stringify(body)}\n`);
    }),
  );
  queue.addCommand(
    withClientOptions(
      new Command('set')
        .description("change the queue's limits while it runs (none puts one back)")
        .argument('<queue>', 'queue name')
        .option('--rate-limit <max/ms>', 'at most max jobs leased in any ms window, e.g. 100/1000', rateLimit)
        .option('--group-concurrency <n>', 'at most n jobs of one group active at once', groupConcurrency),
    ).action(async (q: string, options: QueueCliOptions & { rateLimit?: unknown; groupConcurrency?: unknown }) => {
      const patch: Record<string, unknown> = {};
      if (options.rateLimit !== undefined) patch.rateLimit = options.rateLimit === NONE ? null : options.rateLimit;
      if (options.groupConcurrency !== undefined)
        patch.groupConcurrency = options.groupConcurrency === NONE ? null : options.groupConcurrency;
      if (Object.keys(patch).length === 0)
        throw new InvalidArgumentError('nothing to set: give --rate-limit and/or --group-concurrency');
      const { body } = await clientFrom(options).json<Record<string, unknown>>(
        'PATCH',
        `/v1/queues/${encode(q)}`,
        patch,
      );
      process.stdout.write(`${settingsLine(body)}\n`);
    }),
  );
  return queue;
}
