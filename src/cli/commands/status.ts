import { Command } from 'commander';
import type { QueueCounts } from '../../brokers/contract.js';
import type { WorkerInfo } from '../../server/gateway/index.js';
import { clientFrom, withClientOptions } from '../client-options.js';
import { textTable } from '../text-table.js';

interface HerdInfo {
  name: string;
  tasks: string[];
  concurrency: number;
  active: number;
}

/** `drover status`: the server's queues and workers as tables (or `--json`). */
export function statusCommand(): Command {
  const command = new Command('status')
    .description("show a server's queues and connected workers")
    .option('--json', 'print JSON instead of tables');
  return withClientOptions(command).action(async (options: { json?: boolean; server: string; secretFile?: string }) => {
    const client = clientFrom(options);
    const [queues, workers] = await Promise.all([
      client.json<{ queues: QueueCounts[] }>('GET', '/v1/queues'),
      client.json<{ workers: WorkerInfo[]; herd: HerdInfo | null }>('GET', '/v1/workers'),
    ]);
    if (options.json) {
      process.stdout.write(
        `${JSON.stringify({ queues: queues.body.queues, workers: workers.body.workers, herd: workers.body.herd })}\n`,
      );
      return;
    }
    const out: string[] = [`server ${client.url}`, ''];
    const q = queues.body.queues;
    out.push(
      q.length === 0
        ? 'queues: none yet'
        : textTable(
            ['QUEUE', 'WAITING', 'ACTIVE', 'DELAYED', 'SUCCEEDED', 'FAILED'],
            q.map((c) => [c.queue, c.waiting, c.active, c.delayed, c.succeeded, c.failed]),
          ),
    );
    out.push('');
    const rows: unknown[][] = [];
    const herd = workers.body.herd;
    if (herd) rows.push(['(in-server herd)', herd.name, herd.tasks.join(','), herd.concurrency, herd.active, 'now']);
    for (const w of workers.body.workers)
      rows.push([w.id, w.name, w.tasks.join(','), w.concurrency, w.active, ago(w.lastSeen)]);
    out.push(
      rows.length === 0
        ? 'workers: none connected'
        : textTable(['WORKER', 'NAME', 'TASKS', 'CONCURRENCY', 'ACTIVE', 'LAST SEEN'], rows),
    );
    process.stdout.write(`${out.join('\n')}\n`);
  });
}

function ago(ms: number): string {
  const seconds = Math.max(0, Math.round((Date.now() - ms) / 1000));
  return seconds < 1 ? 'now' : `${seconds}s ago`;
}
