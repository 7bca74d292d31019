import { Command } from 'commander';
import { clientFrom, withClientOptions } from '../client-options.js';
import { integer } from '../option-parsers.js';

/** `drover herd [N]`: prints the server's herd size, or sets it (gofherd's GET/PATCH /herd). */
export function herdCommand(): Command {
  const command = new Command('herd')
    .description("print the size of the server's herd, or resize it live")
    .argument('[size]', 'new herd size (0 pauses it)', integer(0, 100_000));
  return withClientOptions(command).action(
    async (size: number | undefined, options: { server: string; secretFile?: string }) => {
      const client = clientFrom(options);
      const { body } =
        size === undefined
          ? await client.json<{ num: number }>('GET', '/herd')
          : await client.json<{ num: number }>('PATCH', '/herd', { num: size });
      process.stdout.write(`${body.num}\n`);
    },
  );
}
