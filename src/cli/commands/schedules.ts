import { Command } from 'commander';
import { clientFrom, withClientOptions } from '../client-options.js';
import { integer, jsonValue, parseJsonArgs } from '../option-parsers.js';
import type { ServerClient } from '../server-client.js';
import { textTable } from '../text-table.js';

/** A schedule as `GET /v1/schedules` answers it. */
interface ScheduleView {
  name: string;
  cron?: string;
  every?: number;
  tz?: string;
  overlap: boolean;
  task: string;
  args: unknown[];
  nextAt: number | null;
  lastAt: number | null;
  paused: boolean;
}

interface ClientFlags {
  server: string;
  secretFile?: string;
}

interface AddOptions extends ClientFlags {
  cron?: string;
  tz?: string;
  every?: number;
  overlap: boolean;
  options?: unknown;
}

const path = (name: string): string => `/v1/schedules/${encodeURIComponent(name)}`;

/**
 * `drover schedules`: the schedules stored in a server's broker (the list
 * every app on it fires from). `add`, `remove`, `pause` and `resume` change
 * them; see docs/scheduling.md.
 */
export function schedulesCommand(): Command {
  const command = withClientOptions(
    new Command('schedules')
      .description("list a server's schedules; add, remove, pause or resume one")
      // `--server` after a subcommand is the subcommand's own (each has the client options).
      .enablePositionalOptions()
      .option('--json', 'print JSON instead of a table'),
  ).action(async (options: ClientFlags & { json?: boolean }) => {
    const { body } = await clientFrom(options).json<{ schedules: ScheduleView[] }>('GET', '/v1/schedules');
    if (options.json) return void process.stdout.write(`${JSON.stringify(body.schedules)}\n`);
    process.stdout.write(`${listText(body.schedules)}\n`);
  });
  command.addCommand(addCommand());
  for (const [name, description] of [
    ['remove', 'remove a schedule (jobs it already enqueued stay)'],
    ['pause', 'pause a schedule: its ticks are skipped until resumed'],
    ['resume', 'resume a schedule from its next tick'],
  ] as const)
    command.addCommand(changeCommand(name, description));
  return command;
}

function addCommand(): Command {
  const command = new Command('add')
    .description('store a schedule (an upsert by name): exactly one of --cron and --every')
    .argument('<name>', 'schedule name')
    .argument('<task>', 'task name')
    .argument('[args...]', 'arguments, each a JSON value: 2 "text" \'{"a":1}\'')
    .option('--cron <expr>', "cron expression: 5 fields, or 6 with seconds first, e.g. '0 3 * * *'")
    .option('--tz <zone>', 'IANA time zone of --cron, e.g. Europe/Berlin')
    .option('--every <ms>', 'fire every this many ms (on multiples since the epoch)', integer(1, 2 ** 53 - 1))
    .option('--no-overlap', 'skip a tick while the previous fire is still queued or running')
    .option(
      '--options <json>',
      'job options of the fires as JSON, e.g. \'{"queue":"reports","priority":5}\'',
      jsonValue,
    )
    .addHelpText(
      'after',
      "\nExamples:\n  drover schedules add nightly report '\"daily\"' --cron '0 3 * * *' --tz Europe/Berlin\n  drover schedules add tick ping --every 5000 --no-overlap",
    );
  return withClientOptions(command).action(async (name: string, task: string, raw: string[], options: AddOptions) => {
    const body: Record<string, unknown> = { task, args: parseJsonArgs(raw) };
    if (options.cron !== undefined) body.cron = options.cron;
    if (options.tz !== undefined) body.tz = options.tz;
    if (options.every !== undefined) body.every = options.every;
    if (!options.overlap) body.overlap = false;
    if (options.options !== undefined) body.options = options.options;
    const { body: answer } = await clientFrom(options).json<{ put: string; schedule: ScheduleView }>(
      'PUT',
      path(name),
      body,
    );
    const next = answer.schedule.nextAt === null ? '' : `; next at ${new Date(answer.schedule.nextAt).toISOString()}`;
    process.stdout.write(`${name}: ${answer.put}${next}\n`);
  });
}

function changeCommand(action: 'remove' | 'pause' | 'resume', description: string): Command {
  const command = new Command(action).description(description).argument('<name>', 'schedule name');
  return withClientOptions(command).action(async (name: string, options: ClientFlags) => {
    const client: ServerClient = clientFrom(options);
    if (action === 'remove') await client.json('DELETE', path(name));
    else await client.json('POST', `${path(name)}/${action}`);
    process.stdout.write(`${name}: ${action === 'remove' ? 'removed' : action === 'pause' ? 'paused' : 'resumed'}\n`);
  });
}

function listText(schedules: readonly ScheduleView[]): string {
  if (schedules.length === 0) return 'schedules: none';
  const time = (ms: number | null): string => (ms === null ? '-' : new Date(ms).toISOString());
  return textTable(
    ['NAME', 'WHEN', 'TASK', 'ARGS', 'NEXT', 'LAST', 'STATE'],
    schedules.map((s) => [
      s.name,
      s.cron !== undefined ? `cron ${s.cron}${s.tz ? ` (${s.tz})` : ''}` : `every ${s.every} ms`,
      s.task,
      JSON.stringify(s.args),
      time(s.nextAt),
      time(s.lastAt),
      s.paused ? 'paused' : s.overlap ? 'active' : 'active, no overlap',
    ]),
  );
}
