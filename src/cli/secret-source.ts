import { readFileSync } from 'node:fs';
import { CliError } from './cli-error.js';

/** Options every command that needs the secret accepts. */
export interface SecretOptions {
  secretFile?: string | undefined;
}

/**
 * The shared secret: from `--secret-file` (surrounding whitespace and the
 * trailing newline trimmed), else from `DROVER_SECRET`; undefined if neither.
 * The length is checked by the server (≥ 32 bytes).
 */
export function readSecret(options: SecretOptions): string | undefined {
  if (options.secretFile !== undefined) {
    let text: string;
    try {
      text = readFileSync(options.secretFile, 'utf8');
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      throw new CliError(
        `cannot read --secret-file ${options.secretFile}${typeof code === 'string' ? ` (${code})` : ''}`,
      );
    }
    const secret = text.trim();
    if (secret.length === 0) throw new CliError(`--secret-file ${options.secretFile} is empty`);
    return secret;
  }
  const env = process.env.DROVER_SECRET?.trim();
  return env === undefined || env.length === 0 ? undefined : env;
}
