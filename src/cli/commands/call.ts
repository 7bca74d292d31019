import { Command } from 'commander';
import type { EnqueuedView } from '../../protocol/job-view.js';
import { CliError } from '../cli-error.js';
import { clientFrom, withClientOptions } from '../client-options.js';
import { jsonValue, milliseconds, parseJsonArgs } from '../option-parsers.js';
import { waitForJob } from '../wait-for-job.js';

interface CallOptions {
  wait?: boolean;
  timeout?: number;
  options?: unknown;
  server: string;
  secretFile?: string;
}

/**
 * `drover call <task> [json args…] [--wait]`: enqueues one job on a server
 * and prints its id, or with `--wait` its result (as JSON).
 */
export function callCommand(): Command {
  const command = new Command('call')
    .description('call a task on a drover server; prints the job id, or its result with --wait')
    .argument('<task>', 'task name')
    .argument('[args...]', 'arguments, each a JSON value: 2 "text" \'{"a":1}\'')
    .option('--wait', 'wait for the outcome and print the result')
    .option('--timeout <ms>', 'with --wait: give up after this long (exit 1)', milliseconds)
    .option('--options <json>', 'job options as JSON, e.g. \'{"retries":0,"priority":5,"delay":1000}\'', jsonValue)
    .addHelpText('after', '\nExample:\n  drover call add 2 3 --wait      prints 5');
  return withClientOptions(command).action(async (task: string, rawArgs: string[], options: CallOptions) => {
    const args = parseJsonArgs(rawArgs);
    const client = clientFrom(options);
    const body: Record<string, unknown> = { task, args };
    if (options.options !== undefined) body.options = options.options;
    const { body: job } = await client.json<EnqueuedView>('POST', '/v1/jobs', body);
    if (!options.wait) {
      process.stdout.write(`${job.id}\n`);
      return;
    }
    const progress = process.stdout.isTTY === true && process.stderr.isTTY === true;
    const done = await waitForJob(client, job.id, { timeoutMs: options.timeout, progress });
    if (done.status === 'succeeded') {
      process.stdout.write(`${JSON.stringify(done.result ?? null)}\n`);
      return;
    }
    if (done.status === 'cancelled') throw new CliError(`job ${done.id} was cancelled`);
    throw new CliError(
      `job ${done.id} failed after ${done.attempt} attempt${done.attempt === 1 ? '' : 's'}: ${done.error?.message ?? 'unknown error'}`,
    );
  });
}
