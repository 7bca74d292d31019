/**
 * Flow control (docs/flow-control.md) on one process, the same on SQLite or
 * Redis across many: a rate-limited mail queue, per-tenant group
 * concurrency, an upstream that answers 429 once (`RateLimited`), and the
 * queue controls.
 *
 *   npx tsx examples/rate-limit.ts
 */
import { Drover, RateLimited } from '../src/index.js';

const app = new Drover(); // 'sqlite:./drover.db' or 'redis://…' share the limits across processes

// At most 5 mails leased in any 500 ms, however many workers there are.
const started: number[] = [];
let answered429 = false;
const send = app.task(
  'send',
  (to: string) => {
    started.push(Date.now());
    if (to === 'c@example.com' && !answered429) {
      answered429 = true;
      throw new RateLimited(300); // the upstream said 429: the queue pauses 300 ms, no attempt counted
    }
    return `sent to ${to}`;
  },
  { rateLimit: { max: 5, per: 500 } },
);

// One job per tenant at a time; other tenants are not held back.
const running = new Map<string, number>();
let mostAtOnce = 0;
const sync = app.task(
  'sync',
  async (tenant: string) => {
    running.set(tenant, (running.get(tenant) ?? 0) + 1);
    mostAtOnce = Math.max(mostAtOnce, running.get(tenant)!);
    await new Promise((resolve) => setTimeout(resolve, 50));
    running.set(tenant, running.get(tenant)! - 1);
  },
  { groupConcurrency: 1 },
);

app.worker({ concurrency: 10, pollInterval: 50 });

const t0 = Date.now();
const mails = await send.callMany(Array.from({ length: 12 }, (_, i) => [`${'abcdefghijkl'[i]}@example.com`]));
const syncs = await Promise.all(
  ['t1', 't1', 't1', 't2', 't2', 't3'].map((tenant) => sync.with({ group: tenant }).call(tenant)),
);
await Promise.all([...mails, ...syncs].map((job) => job.result()));
console.log(`12 mails in ${Date.now() - t0} ms (5 per 500 ms, one 300 ms pause)`);
console.log(`most jobs of one tenant at once: ${mostAtOnce}`);

// The queue controls: pause, see what waits on a limit, drain, resume.
const queue = app.queue('send');
await queue.pause();
await send.callMany([['late1@example.com'], ['late2@example.com']]);
const limits = await queue.limits();
console.log(`paused: ${limits.paused}, waiting on a limit: ${limits.limited}`);
console.log(`drained: ${await queue.drain()}`);
await queue.resume();
console.log(`purged: ${await queue.purge()}`);
await app.close();
