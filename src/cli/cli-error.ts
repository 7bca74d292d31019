/**
 * How the CLI fails: one line on stderr naming the reason, exit code 1,
 * never a stack trace (set DROVER_DEBUG=1 to see one).
 */

/** An error whose message is meant for the user as it is. */
export class CliError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CliError';
  }
}

/** The one line printed for an error. */
export function errorLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return `drover: ${message.split('\n')[0]!.trim()}`;
}

/** Prints an error as one line and sets a failing exit code. */
export function reportError(error: unknown): void {
  process.stderr.write(`${errorLine(error)}\n`);
  if (process.env.DROVER_DEBUG === '1' && error instanceof Error && error.stack)
    process.stderr.write(`${error.stack}\n`);
  process.exitCode = 1;
}
