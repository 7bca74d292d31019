import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Command, InvalidArgumentError as OptionError, Option } from 'commander';
import type { Logger } from 'pino';
import { Chief } from '../../chief/index.js';
import type { ChiefSummary, ServiceDefinition } from '../../chief/index.js';
import { CliError, reportError } from '../cli-error.js';
import { createCliLogger, LOG_LEVELS } from '../cli-logger.js';
import { milliseconds } from '../option-parsers.js';

/** Flags of `drover run`, as commander parses them. */
export interface RunFlags {
  only?: string[];
  forceStopTimeout?: number;
  logLevel: string;
}

/**
 * `drover run <module> [--only a,b]`: loads a module that exports a Chief
 * (default export or `chief`) or services (default export or `services`:
 * `{ name: { run, init?, restartOnFail? } }`), keeps the `--only` ones, and
 * runs them until SIGINT/SIGTERM (graceful on the first, forced on the
 * second). Exit code 0 when every service stopped cleanly, 1 when one failed
 * or was abandoned, the stop was forced, or the input was bad.
 */
export function runCommand(): Command {
  return new Command('run')
    .description('run the services of a module under a Chief, as one process or split with --only')
    .argument(
      '<module>',
      'a .ts or .js module exporting a Chief (default or `chief`) or services (default or `services`)',
    )
    .option('--only <names>', 'comma-separated services to run (default: all)', parseNames)
    .option(
      '--force-stop-timeout <ms>',
      'ms services may take to stop before they are abandoned (default 45000)',
      milliseconds,
    )
    .addOption(
      new Option('--log-level <level>', 'log level; logs go to stderr')
        .choices(LOG_LEVELS)
        .default(process.env.DROVER_LOG_LEVEL ?? 'info'),
    )
    .action(async (file: string, flags: RunFlags) => {
      let summary: ChiefSummary;
      try {
        summary = await (await prepare(file, flags)).runAll();
      } catch (error) {
        reportError(error);
        // The module may hold handles open (a server made at import): end here.
        process.exit();
      }
      // Exit even if an abandoned service still holds the event loop.
      process.exit(exitCodeOf(summary));
    });
}

/** 0 for a clean stop, 1 otherwise; also prints a one-line reason on stderr. */
function exitCodeOf(summary: ChiefSummary): number {
  const problems: string[] = [];
  if (summary.forced) problems.push('stop forced');
  if (summary.failed.length > 0) problems.push(`failed: ${summary.failed.join(', ')}`);
  if (summary.abandoned.length > 0) problems.push(`abandoned: ${summary.abandoned.join(', ')}`);
  if (problems.length === 0) return 0;
  process.stderr.write(`drover: run: ${problems.join('; ')}\n`);
  return 1;
}

async function prepare(file: string, flags: RunFlags): Promise<Chief> {
  const mod = await loadModule(file);
  const logger = createCliLogger(flags.logLevel);
  const chief = chiefFrom(mod, file, logger, flags.forceStopTimeout);
  if (flags.only) applyOnly(chief, flags.only);
  return chief;
}

async function loadModule(file: string): Promise<Record<string, unknown>> {
  const path = resolve(file);
  if (!existsSync(path) || !statSync(path).isFile()) throw new CliError(`cannot find the services module ${file}`);
  const url = pathToFileURL(path).href;
  try {
    if (!/\.[cm]?tsx?$/.test(path)) return (await import(url)) as Record<string, unknown>;
    // tsx loads only for TypeScript modules, and only when `run` runs.
    const { tsImport } = await import('tsx/esm/api');
    return (await tsImport(url, import.meta.url)) as Record<string, unknown>;
  } catch (error) {
    throw new CliError(`cannot load ${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function chiefFrom(
  mod: Record<string, unknown>,
  file: string,
  logger: Logger,
  forceStopTimeout: number | undefined,
): Chief {
  for (const candidate of [mod.default, mod.chief]) {
    if (!Chief.isChief(candidate)) continue;
    if (forceStopTimeout !== undefined) logger.warn('--force-stop-timeout is ignored: the module brings its own Chief');
    return candidate;
  }
  const services = mod.services ?? mod.default;
  if (typeof services !== 'object' || services === null || Array.isArray(services)) {
    throw new CliError(
      `${file} exports neither a Chief (default or \`chief\`) nor services (default or \`services\`: { name: { run } })`,
    );
  }
  if (Object.keys(services).length === 0) throw new CliError(`${file} exports no services`);
  const chief = new Chief({ logger, forceStopTimeout });
  for (const [name, service] of Object.entries(services)) {
    try {
      chief.add(name, service as ServiceDefinition);
    } catch (error) {
      throw new CliError(`${file}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return chief;
}

function applyOnly(chief: Chief, only: readonly string[]): void {
  const names = Object.keys(chief.states());
  const unknown = only.filter((name) => !names.includes(name));
  if (unknown.length > 0) {
    throw new CliError(
      `unknown service ${unknown.map((n) => JSON.stringify(n)).join(', ')} in --only; the module has ${names.join(', ') || 'no services'}`,
    );
  }
  chief.enable(...only);
  const others = names.filter((name) => !only.includes(name));
  if (others.length > 0) chief.disable(...others);
}

function parseNames(value: string): string[] {
  const names = value
    .split(',')
    .map((n) => n.trim())
    .filter((n) => n.length > 0);
  if (names.length === 0) throw new OptionError('expected comma-separated service names, e.g. api,resizer');
  return [...new Set(names)];
}
