/**
 * dingo's "murmur": one task, five workers, ten calls that each speak a
 * line a few times; wait for all of them.
 *
 *   npx tsx examples/murmur.ts
 */
import { Drover, currentJob } from '../src/index.js';

const app = new Drover();
const murmur = app.task('murmur', async (msg: string, repeat: number, intervalMs: number) => {
  for (let i = 0; i < repeat; i++) {
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
    console.log(msg);
    await currentJob().progress((i + 1) / repeat);
  }
  return repeat;
});
app.worker({ concurrency: 5 });

const jobs = await murmur.callMany(
  Array.from({ length: 10 }, (_, i) => [`this is ${i} speaking`, 3, 20] as [string, number, number]),
);
const spoken = await Promise.all(jobs.map((job) => job.result()));
console.log(`${jobs.length} tasks done, ${spoken.reduce((a, b) => a + b, 0)} lines spoken`);
await app.close();
