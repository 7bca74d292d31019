/**
 * `drover worker ./tasks.ts [--server ws://… | --broker URL] [--concurrency N]`:
 * loads a tasks module and runs a herd on it — through a drover server
 * (`ws://`, `wss://`; no broker credentials needed) or straight on a broker.
 *
 * Process states: starting ──broker reachable──▶ working
 *   working ──SIGINT/SIGTERM──▶ draining (no new jobs; running ones get
 *   `--grace` ms, the rest are handed back) ──▶ exit 0
 *   draining ──second signal──▶ exit 1 (forced; the server requeues what was held)
 *   any ──auth failed / broker unreachable──▶ exit 1 with a one-line reason
 */
import { Command, InvalidArgumentError as OptionError, Option } from 'commander';
import type { Logger } from 'pino';
import { createRemoteBroker } from '../../brokers/remote/index.js';
import type { Broker } from '../../brokers/contract.js';
import { Drover, isDroverError, jsonCodec } from '../../index.js';
import { reportError } from '../cli-error.js';
import { createCliLogger, LOG_LEVELS } from '../cli-logger.js';
import { loadTasks } from '../load-tasks.js';
import { integer, milliseconds } from '../option-parsers.js';
import { readSecret } from '../secret-source.js';

/** The server a worker connects to when neither `--server` nor `--broker` is given. */
export const DEFAULT_WORKER_SERVER = 'ws://127.0.0.1:7400';

/** Flags of `drover worker`, as commander parses them. */
export interface WorkerFlags {
  server?: string;
  broker?: string;
  concurrency: number;
  secretFile?: string;
  name?: string;
  grace: number;
  leaseMs?: number;
  reconnectMinMs: number;
  reconnectMaxMs: number;
  logLevel: string;
}

/** The `drover worker` command (see the file's header). */
export function workerCommand(): Command {
  return new Command('worker')
    .description('run the tasks of a module as a worker, through a drover server (--server) or on a broker (--broker)')
    .argument('<tasks>', 'a .ts or .js module exporting task definitions made with task()')
    .addOption(new Option('--server <url>', `the drover server, ws://host:port or wss://host:port (default ${DEFAULT_WORKER_SERVER})`).argParser(workerServerUrl).conflicts('broker'))
    .option('--broker <url>', 'work straight on a broker instead (sqlite:…, redis://…, ws://…)')
    .option('--concurrency <n>', 'jobs run at once', integer(0, 100_000), 10)
    .option('--secret-file <path>', 'file holding the shared secret (default: the DROVER_SECRET environment variable)')
    .option('--name <name>', 'this worker in listings (default host:pid)')
    .option('--grace <ms>', 'on SIGINT/SIGTERM, how long running jobs may finish before they are handed back', milliseconds, 30_000)
    .option('--lease-ms <ms>', 'lease length the herd works with (on a server the server sets it; default 30000)', milliseconds)
    .option('--reconnect-min-ms <ms>', 'first reconnect backoff cap', milliseconds, 250)
    .option('--reconnect-max-ms <ms>', 'largest reconnect backoff cap', milliseconds, 30_000)
    .addOption(new Option('--log-level <level>', 'log level; logs go to stderr').choices(LOG_LEVELS).default(process.env.DROVER_LOG_LEVEL ?? 'info'))
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
  const url = flags.broker ?? flags.server ?? DEFAULT_WORKER_SERVER;
  const remote = /^wss?:/i.test(url);
  const broker: string | Broker = remote
    ? createRemoteBroker(url, {
        codec: jsonCodec,
        secret,
        name: flags.name,
        logger,
        backoff: { minMs: flags.reconnectMinMs, maxMs: Math.max(flags.reconnectMinMs, flags.reconnectMaxMs) },
      })
    : url;
  const app = new Drover({ broker, logger, ...(secret === undefined ? {} : { secret }) });
  for (const def of tasks) app.register(def);
  await app.broker(); // fails here, with the URL, when the server or broker cannot be reached

  let stopping = false;
  const stop = (code: number, reason?: unknown): void => {
    if (stopping) return;
    stopping = true;
    if (reason !== undefined) reportError(reason);
    // A broker object passed to the app is ours to close, after the herd handed back what it held.
    const closed = app.close({ grace: code === 0 ? flags.grace : 0 }).then(async () => {
      if (typeof broker !== 'string') await broker.close();
    });
    closed.then(
      () => process.exit(code),
      (error: unknown) => {
        reportError(error);
        process.exit(1);
      },
    );
  };
  app.on('error', ({ error }) => {
    if (isDroverError(error) && error.code === 'ERR_DROVER_AUTH') stop(1, error);
  });
  onSignals(logger, () => stop(0), () => {
    process.stderr.write('drover: worker: stop forced\n');
    process.exit(1);
  });

  // Leases on a server live on the server (it renews them for a live worker); a short local lease only
  // makes the herd notice a lost connection sooner and abort the attempts the server has already requeued.
  const worker = app.worker({ concurrency: flags.concurrency, leaseMs: flags.leaseMs ?? (remote ? 3_000 : 30_000), ...(flags.name === undefined ? {} : { name: flags.name }) });
  logger.info({ broker: remote ? url : describeBroker(url), tasks: tasks.map((t) => t.name), concurrency: worker.concurrency }, 'worker started');
}

function onSignals(logger: Logger, graceful: () => void, forced: () => void): void {
  let count = 0;
  const handler = (signal: NodeJS.Signals): void => {
    count++;
    if (count === 1) {
      logger.info({ signal }, 'stopping: no new jobs; running ones may finish (send the signal again to force)');
      graceful();
    } else forced();
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
}

function describeBroker(url: string): string {
  // Never log credentials that a broker URL may carry (redis://user:pass@…).
  return url.replace(/\/\/[^@/]*@/, '//***@');
}
