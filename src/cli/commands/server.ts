import { Command, Option } from 'commander';
import { CliError } from '../cli-error.js';
import { createCliLogger, LOG_LEVELS } from '../cli-logger.js';
import { loadTasks } from '../load-tasks.js';
import { integer, milliseconds, port } from '../option-parsers.js';
import { readSecret } from '../secret-source.js';
import { aborted, supervise } from '../supervise.js';
import { withBackend } from '../../brokers/amqp/options.js';

function withStoreBackend(url: string, backend: string | undefined): string {
  try {
    return withBackend(url, backend);
  } catch (error) {
    throw new CliError(error instanceof Error ? error.message : String(error));
  }
}

interface ServerCommandOptions {
  store: string;
  backend?: string;
  host: string;
  port: number;
  tasks?: string;
  concurrency?: number;
  secretFile?: string;
  protectMetrics?: boolean;
  leaseMs?: number;
  trustedProxy?: string[];
  grace: number;
  logLevel: string;
}

/** `drover server`: the HTTP API, worker endpoint, /metrics and /herd over a store (docs/operations.md). */
export function serverCommand(): Command {
  return new Command('server')
    .description('run the drover server: HTTP API, remote-worker WebSocket, /metrics, /herd and the dashboard')
    .option('--store <url>', 'broker URL: sqlite:./file.db, memory:, …', 'sqlite:./drover.db')
    .option(
      '--backend <url>',
      'result backend of an amqp:// store: sqlite:./state.db or redis://host:6379/0 (folded into its URL)',
    )
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
    .option(
      '--trusted-proxy <address...>',
      'reverse proxy whose X-Forwarded-For is believed (for throttling and logs); repeat for several',
    )
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
  // `--concurrency 0` alone is a remote-only server, as leaving both flags out is (docs/operations.md).
  if (options.concurrency !== undefined && options.concurrency > 0 && options.tasks === undefined) {
    throw new CliError(
      '--concurrency sizes the in-server herd, which needs --tasks <module> (0 alone: remote workers only)',
    );
  }
  const secret = readSecret(options);
  // Loaded here, not at the top, so the other commands start fast.
  const [{ Drover, Chief }, { createServer }] = await Promise.all([
    import('../../index.js'),
    import('../../server/index.js'),
  ]);
  const logger = createCliLogger(options.logLevel);
  const store = withStoreBackend(options.store, options.backend);
  const app = new Drover({ broker: store, logger, ...(secret === undefined ? {} : { secret }) });
  if (options.tasks !== undefined) {
    const tasks = await loadTasks(options.tasks);
    for (const task of tasks) app.register(task);
    logger.info(
      { tasks: tasks.map((t) => t.name) },
      `loaded ${tasks.length} task${tasks.length === 1 ? '' : 's'} from ${options.tasks}`,
    );
  }
  const grace = options.grace;
  const server = createServer({
    app,
    host: options.host,
    port: options.port,
    secret,
    protectMetrics: options.protectMetrics === true,
    leaseMs: options.leaseMs,
    grace,
    logger,
    closeApp: false,
    ...(options.trustedProxy === undefined ? {} : { trustedProxies: options.trustedProxy }),
  });
  // The store is a resource under the services: opened first (a bad URL is one clear line), closed last.
  try {
    await app.broker();
  } catch (error) {
    throw new CliError(`cannot open the store: ${error instanceof Error ? error.message : String(error)}`);
  }
  // The server's parts are Chief services: one mechanism starts, stops and reports them.
  const chief = new Chief({ logger, forceStopTimeout: grace + 5_000 });
  let herdStopped: Promise<void> = Promise.resolve();
  if (options.tasks !== undefined) {
    const concurrency = options.concurrency ?? 10;
    let stopped!: () => void;
    herdStopped = new Promise((resolve) => (stopped = resolve));
    chief.add('herd', {
      async run({ signal }) {
        const herd = app.worker({
          concurrency,
          ...(options.leaseMs === undefined ? {} : { leaseMs: options.leaseMs }),
        });
        server.useHerd(herd);
        await aborted(signal);
        await herd.close({ grace }).finally(stopped);
      },
    });
  }
  // Bound before the services start, so a taken port fails fast with one line.
  try {
    await server.listen();
  } catch (error) {
    await app.close({ grace: 0 }).catch(() => undefined);
    throw new CliError(`cannot start the server: ${startFailure(error, options)}`);
  }
  chief.add('api', {
    // HTTP API, /metrics, /herd, the dashboard and the workers' WebSocket gateway share one port.
    // On stop it answers 503 until the herd beside it has finished or handed back its jobs.
    async run({ signal }) {
      await aborted(signal);
      await server.close({ grace, drain: herdStopped });
    },
  });
  const exit = await supervise(chief, logger, ['api', 'herd']);
  await app.close({ grace: 0 }).catch((error: unknown) => logger.error({ err: error }, 'closing the store failed'));
  if (exit.error !== undefined) throw new CliError(`the server stopped: ${startFailure(exit.error, options)}`);
  process.exit(exit.code);
}

function startFailure(error: unknown, options: ServerCommandOptions): string {
  const code = (error as { code?: unknown }).code;
  if (code === 'EADDRINUSE') return `port ${options.port} on ${options.host} is already in use`;
  if (code === 'EADDRNOTAVAIL') return `cannot bind ${options.host}: no such address on this machine`;
  if (code === 'EACCES') return `not allowed to bind port ${options.port}`;
  return error instanceof Error ? error.message : String(error);
}
