#!/usr/bin/env node
/**
 * The `drover` command line (docs/operations.md): a thin commander program with
 * one command per file in `commands/`. Every command has `--help`; bad
 * input exits 1 with a one-line reason.
 */
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { reportError } from './cli-error.js';
import { callCommand } from './commands/call.js';
import { herdCommand } from './commands/herd.js';
import { queueCommand } from './commands/queue.js';
import { retryCommand } from './commands/retry.js';
import { schedulesCommand } from './commands/schedules.js';
import { runCommand } from './commands/run.js';
import { secretCommand } from './commands/secret.js';
import { serverCommand } from './commands/server.js';
import { statusCommand } from './commands/status.js';
import { workerCommand } from './commands/worker.js';

function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version?: unknown;
    };
    return typeof pkg.version === 'string' ? pkg.version : '0.0.0';
  } catch {
    return '0.0.0';
  }
}

const program = new Command('drover')
  .description('drover: a task queue and worker framework for Node.js')
  .version(packageVersion(), '-v, --version')
  .showSuggestionAfterError()
  // Options after a subcommand are the subcommand's (`drover schedules add … --server` is add's own).
  .enablePositionalOptions()
  .addCommand(serverCommand())
  .addCommand(callCommand())
  .addCommand(statusCommand())
  .addCommand(herdCommand())
  .addCommand(secretCommand())
  .addCommand(retryCommand())
  .addCommand(schedulesCommand())
  .addCommand(queueCommand())
  .addCommand(workerCommand())
  .addCommand(runCommand());

// Commander's own errors (unknown command or option, bad value) stay on one line, suggestion included.
const oneLine = {
  outputError: (text: string, write: (text: string) => void) => write(`${text.trim().replace(/\s*\n\s*/g, ' ')}\n`),
};
program.configureOutput(oneLine);
const configure = (command: Command): void => {
  command.configureOutput(oneLine);
  for (const sub of command.commands) configure(sub);
};
for (const command of program.commands) configure(command);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  reportError(error);
  process.exit(1);
}
