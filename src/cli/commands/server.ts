import { Command, Option } from 'commander';
import type { DroverServer } from '../../server/index.js';
import { CliError } from '../cli-error.js';
import { createCliLogger, LOG_LEVELS } from '../cli-logger.js';
import { loadTasks } from '../load-tasks.js';
import { integer, milliseconds, port } from '../option-parsers.js';
import { readSecret } from '../secret-source.js';

interface ServerCommandOptions {
  store: string;
  host: string;
  port: number;
  tasks?: string;
  concurrency?: number;
  secretFile?: string;
  protectMetrics?: boolean;
  leaseMs?: number;
  grace: number;
  logLevel: string;
}

/** `drover server`: the HTTP API, worker endpoint, /metrics and /herd over a store (DESIGN.md §4). */
export function serverCommand(): Command {
  return new Command('server')
    .description('run the drover server: HTTP API, remote-worker WebSocket, /metrics, /herd and the dashboard')
    .option('--store <url>', 'broker URL: sqlite:./file.db, memory:, …', 'sqlite:./drover.db')
    .option('--host <host>', 'host to bind (a non-loopback host needs a secret)', '127.0.0.1')
    .option('--port <port>', 'port to bind (0 picks a free one)', port, 7400)
    .option('--tasks <module>', 'module whose exported task() definitions a herd inside the server runs (.ts or .js)')
    .option(
      '--concurrency <n>',
      'size of the in-server herd (0 allowed; resize with PATCH /herd) [default: 10 with --tasks]',
      integer(0, 100_000),
    )
    .option(
      '--secret-file <path>',
      'file holding the shared secret, ≥ 32 bytes (default: the DROVER_SECRET environment variable)',
    )
    .option('--protect-metrics', 'require the secret on /metrics too')
    .option('--lease-ms <ms>', 'lease length of jobs run by the herd and by remote workers', milliseconds)
    .option(
      '--grace <ms>',
      'on SIGINT/SIGTERM, how long running jobs may finish before they are handed back',
      milliseconds,
      30_000,
    )
    .addOption(new Option('--log-level <level>', 'log level').choices(LOG_LEVELS).default('info'))
    .action(async (options: ServerCommandOptions) => {
      await runServer(options);
    });
}

async function runServer(options: ServerCommandOptions): Promise<void> {
  if (options.concurrency !== undefined && options.tasks === undefined) {
    throw new CliError('--concurrency sizes the in-server herd, which needs --tasks <module>');
  }
  const secret = readSecret(options);
  // Loaded here, not at the top, so the other commands start fast.
  const [{ Drover }, { createServer }] = await Promise.all([import('../../index.js'), import('../../server/index.js')]);
  const logger = createCliLogger(options.logLevel);
  const app = new Drover({ broker: options.store, logger, ...(secret === undefined ? {} : { secret }) });
  if (options.tasks !== undefined) {
    const tasks = await loadTasks(options.tasks);
    for (const task of tasks) app.register(task);
    logger.info(
      { tasks: tasks.map((t) => t.name) },
      `loaded ${tasks.length} task${tasks.length === 1 ? '' : 's'} from ${options.tasks}`,
    );
  }
  const server = createServer({
    app,
    host: options.host,
    port: options.port,
    secret,
    protectMetrics: options.protectMetrics === true,
    concurrency: options.tasks === undefined ? undefined : (options.concurrency ?? 10),
    leaseMs: options.leaseMs,
    grace: options.grace,
    logger,
  });
  const stopped = handleSignals(server, logger);
  try {
    await server.listen();
  } catch (error) {
    throw new CliError(`cannot start the server: ${startFailure(error, options)}`);
  }
  await stopped;
  process.exit(0);
}

/** First SIGINT/SIGTERM: graceful shutdown. Second: exit at once. */
function handleSignals(server: DroverServer, logger: ReturnType<typeof createCliLogger>): Promise<void> {
  return new Promise((resolve) => {
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals): void => {
      if (stopping) {
        logger.warn(`${signal} again: exiting without waiting for running jobs`);
        process.exit(1);
      }
      stopping = true;
      logger.info(`${signal}: shutting down gracefully (send it again to exit at once)`);
      server.close().then(resolve, (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      });
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}

function startFailure(error: unknown, options: ServerCommandOptions): string {
  const code = (error as { code?: unknown }).code;
  if (code === 'EADDRINUSE') return `port ${options.port} on ${options.host} is already in use`;
  if (code === 'EADDRNOTAVAIL') return `cannot bind ${options.host}: no such address on this machine`;
  if (code === 'EACCES') return `not allowed to bind port ${options.port}`;
  return error instanceof Error ? error.message : String(error);
}
