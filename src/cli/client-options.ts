import type { Command } from 'commander';
import { serverUrl } from './option-parsers.js';
import { readSecret } from './secret-source.js';
import { ServerClient } from './server-client.js';

/** The default server of the client commands. */
export const DEFAULT_SERVER = 'http://127.0.0.1:7400';

/** Adds `--server` and `--secret-file` to a client command. */
export function withClientOptions(command: Command): Command {
  return command
    .option('--server <url>', 'the drover server', serverUrl, DEFAULT_SERVER)
    .option('--secret-file <path>', 'file holding the shared secret (default: the DROVER_SECRET environment variable)');
}

/** The client for the options of a client command. */
export function clientFrom(options: { server: string; secretFile?: string | undefined }): ServerClient {
  return new ServerClient({ server: options.server, secret: readSecret(options) });
}
