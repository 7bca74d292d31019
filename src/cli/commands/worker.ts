/**
 * `drover worker ./tasks.ts [--server ws://… | --broker URL] [--concurrency N]`:
 * loads a tasks module and runs a herd on it — through a drover server
 * (`ws://`, `wss://`; no broker credentials needed) or straight on a broker.
 *
 * Process states: starting (trying to reach the broker for up to --connect-timeout) ──reached──▶ working
 *   working ──SIGINT/SIGTERM──▶ draining (no new jobs; running ones get
 *   `--grace` ms, the rest are handed back) ──▶ exit 0
 *   draining ──second signal──▶ exit 1 (forced; the server requeues what was held)
 *   any ──auth failed / broker still unreachable──▶ exit 1 with a one-line reason
 */
import { Command, InvalidArgumentError as OptionError, Option } from 'commander';
import { createRemoteBroker } from '../../brokers/remote/index.js';
import type { Broker } from '../../brokers/contract.js';
import type { Worker } from '../../core/worker.js';
import { WorkerAnnouncer, instanceName } from '../../server/worker-announcer.js';
import type { Logger } from 'pino';
import { localPresence } from '../../server/events/workers-view.js';
import { Chief, Drover, ErrorCodes, isDroverError, jsonCodec } from '../../index.js';
import { reportError } from '../cli-error.js';
import { createCliLogger, LOG_LEVELS } from '../cli-logger.js';
import { loadTasks } from '../load-tasks.js';
import { integer, milliseconds } from '../option-parsers.js';
import { readSecret } from '../secret-source.js';
import { aborted, supervise } from '../supervise.js';
import { withBackend } from '../../brokers/amqp/options.js';
import { createBrokerFromUrl } from '../../core/broker-registry.js';
import { connectWithRetry } from '../connect-retry.js';

/** The server a worker connects to when neither `--server` nor `--broker` is given. */
export const DEFAULT_WORKER_SERVER = 'ws://127.0.0.1:7400';

/** Flags of `drover worker`, as commander parses them. */
export interface WorkerFlags {
  server?: string;
  broker?: string;
  backend?: string;
  concurrency: number;
  secretFile?: string;
  name?: string;
  grace: number;
  leaseMs?: number;
  connectTimeout: number;
  reconnectMinMs: number;
  reconnectMaxMs: number;
  logLevel: string;
}

/** The `drover worker` command (see the file's header). */
export function workerCommand(): Command {
  return new Command('worker')
    .description('run the tasks of a module as a worker, through a drover server (--server) or on a broker (--broker)')
    .argument('<tasks>', 'a .ts or .js module exporting task definitions made with task()')
    .addOption(
      new Option(
        '--server <url>',
        `the drover server, ws://host:port or wss://host:port (default ${DEFAULT_WORKER_SERVER})`,
      )
        .argParser(workerServerUrl)
        .conflicts('broker'),
    )
    .option('--broker <url>', 'work straight on a broker instead (sqlite:…, redis://…, ws://…)')
    .option(
      '--backend <url>',
      'result backend of an amqp:// broker: sqlite:./state.db or redis://host:6379/0 (folded into its URL)',
    )
    .option('--concurrency <n>', 'jobs run at once', integer(0, 100_000), 10)
    .option('--secret-file <path>', 'file holding the shared secret (default: the DROVER_SECRET environment variable)')
    .option('--name <name>', 'this worker in listings (default host:pid)')
    .option(
      '--grace <ms>',
      'on SIGINT/SIGTERM, how long running jobs may finish before they are handed back',
      milliseconds,
      30_000,
    )
    .option(
      '--lease-ms <ms>',
      'lease length the herd works with (on a server the server sets it; default 30000)',
      milliseconds,
    )
    .option(
      '--connect-timeout <ms>',
      'at start, keep trying to reach the server or broker this long (0 = one try)',
      milliseconds,
      60_000,
    )
    .option('--reconnect-min-ms <ms>', 'first reconnect backoff cap', milliseconds, 250)
    .option('--reconnect-max-ms <ms>', 'largest reconnect backoff cap', milliseconds, 30_000)
    .addOption(
      new Option('--log-level <level>', 'log level; logs go to stderr')
        .choices(LOG_LEVELS)
        .default(process.env.DROVER_LOG_LEVEL ?? 'info'),
    )
    .action(async (file: string, flags: WorkerFlags) => {
      try {
        await runWorker(file, flags);
      } catch (error) {
        reportError(error);
        process.exit(1);
      }
    });
}

/** `ws://`, `wss://`, or `http(s)://` (mapped to `ws(s)://`). */
function workerServerUrl(value: string): string {
  const url = value.replace(/^http(s?):\/\//i, 'ws$1://');
  if (!/^wss?:\/\/[^/]+/i.test(url)) throw new OptionError('expected ws://host:port or wss://host:port');
  return url.replace(/\/+$/, '');
}

async function runWorker(file: string, flags: WorkerFlags): Promise<void> {
  const logger = createCliLogger(flags.logLevel);
  const tasks = await loadTasks(file);
  const secret = readSecret(flags);
  const url = withBackend(flags.broker ?? flags.server ?? DEFAULT_WORKER_SERVER, flags.backend);
  const remote = /^wss?:/i.test(url);
  const backoff = { minMs: flags.reconnectMinMs, maxMs: Math.max(flags.reconnectMinMs, flags.reconnectMaxMs) };
  // Fails here, with the URL, when the server or broker stays unreachable for --connect-timeout.
  const broker = await connectWithRetry({
    make: () =>
      remote
        ? createRemoteBroker(url, { codec: jsonCodec, secret, name: flags.name, logger, backoff })
        : createBrokerFromUrl(url, { codec: jsonCodec, secret }),
    timeoutMs: flags.connectTimeout,
    ...backoff,
    label: remote ? url : describeBroker(url),
    logger,
  });
  const app = new Drover({ broker, logger, ...(secret === undefined ? {} : { secret }) });
  for (const def of tasks) app.register(def);
  await app.broker();

  // The herd is a Chief service: SIGINT/SIGTERM stop it gracefully, a second signal by force.
  const chief = new Chief({ logger, forceStopTimeout: flags.grace + 5_000 });
  let authError: unknown;
  app.on('error', ({ error }) => {
    if (!isDroverError(error) || error.code !== ErrorCodes.AUTH) return;
    authError ??= error;
    void chief.stop();
  });
  chief.add('herd', {
    async run({ signal }) {
      // Leases on a server live on the server (it renews them for a live worker); a short local lease only
      // makes the herd notice a lost connection sooner and abort the attempts the server has already requeued.
      const leaseMs = flags.leaseMs ?? (remote ? 3_000 : 30_000);
      const worker = app.worker({
        concurrency: flags.concurrency,
        leaseMs,
        ...(flags.name === undefined ? {} : { name: flags.name }),
      });
      const announcer = remote ? undefined : announceHerd(await app.broker(), worker, logger);
      logger.info(
        {
          broker: remote ? url : describeBroker(url),
          tasks: tasks.map((t) => t.name),
          concurrency: worker.concurrency,
        },
        'worker started',
      );
      await aborted(signal);
      await announcer?.stop();
      await worker.close({ grace: authError === undefined ? flags.grace : 0 });
    },
  });
  const exit = await supervise(chief, logger, ['herd']);
  // A broker object passed to the app is ours to close, after the herd handed back what it held.
  await app.close({ grace: 0 });
  await broker.close();
  if (authError !== undefined) throw authError;
  if (exit.error !== undefined) throw exit.error;
  if (exit.code !== 0) process.stderr.write('drover: worker: stop forced or a service failed\n');
  process.exit(exit.code);
}

function describeBroker(url: string): string {
  // Never log credentials that a broker URL may carry (redis://user:pass@…).
  return url.replace(/\/\/[^@/]*@/, '//***@');
}

/** Announces the herd in the broker's worker directory, when it keeps one, so servers list it in `/v1/workers`. */
function announceHerd(broker: Broker, herd: Worker, logger: Logger): WorkerAnnouncer | undefined {
  if (typeof broker.announceWorkers !== 'function' || typeof broker.listWorkers !== 'function') return undefined;
  const startedAt = Date.now();
  const instance = instanceName();
  const announcer = new WorkerAnnouncer({
    directory: { announceWorkers: broker.announceWorkers.bind(broker), listWorkers: broker.listWorkers.bind(broker) },
    instance,
    local: () => localPresence({ instance, herd, gateway: undefined }, startedAt),
    logger,
  });
  announcer.start();
  return announcer;
}
