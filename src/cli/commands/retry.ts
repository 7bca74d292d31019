import { Command } from 'commander';
import type { JobView } from '../../protocol/job-view.js';
import { clientFrom, withClientOptions } from '../client-options.js';

/** `drover retry <id>`: re-runs a failed (or cancelled) job. */
export function retryCommand(): Command {
  const command = new Command('retry')
    .description('re-run a failed or cancelled job (a dead letter)')
    .argument('<id>', 'job id');
  return withClientOptions(command).action(async (id: string, options: { server: string; secretFile?: string }) => {
    const client = clientFrom(options);
    const { body } = await client.json<JobView>('POST', `/v1/jobs/${encodeURIComponent(id)}/retry`);
    process.stdout.write(`${body.id} ${body.status}\n`);
  });
}
