import { randomBytes } from 'node:crypto';
import { Command, Option } from 'commander';
import { MIN_SECRET_BYTES } from '../../server/auth.js';
import { integer } from '../option-parsers.js';

/** `drover secret`: prints a new random secret for DROVER_SECRET / --secret-file. */
export function secretCommand(): Command {
  return new Command('secret')
    .description(`print a new random secret (${MIN_SECRET_BYTES} bytes by default) for DROVER_SECRET or --secret-file`)
    .addOption(new Option('--format <format>', 'encoding').choices(['base64url', 'hex']).default('base64url'))
    .option(
      '--bytes <n>',
      `random bytes (at least ${MIN_SECRET_BYTES})`,
      integer(MIN_SECRET_BYTES, 1024),
      MIN_SECRET_BYTES,
    )
    .action((options: { format: 'base64url' | 'hex'; bytes: number }) => {
      process.stdout.write(`${randomBytes(options.bytes).toString(options.format)}\n`);
    });
}
