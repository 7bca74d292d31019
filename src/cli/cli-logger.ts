import type { Logger } from 'pino';
import { destination, pino } from 'pino';
import pretty from 'pino-pretty';

/** Log levels the CLI accepts. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/**
 * The CLI's logger, on stderr (stdout is for results): JSON lines by
 * default, pino-pretty when stderr is a terminal.
 */
export function createCliLogger(level: string): Logger {
  if (process.stderr.isTTY) {
    return pino(
      { level },
      pretty({ destination: 2, sync: true, colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' }),
    );
  }
  return pino({ level }, destination({ fd: 2, sync: true }));
}
