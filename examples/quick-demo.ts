/**
 * dingo's quick demo: register `add`, run two workers, call it, print 5.
 *
 *   npx tsx examples/quick-demo.ts
 */
import { Drover } from '../src/index.js';

const app = new Drover({ broker: 'memory:' });
const add = app.task('add', (a: number, b: number) => a + b);
app.worker({ concurrency: 2 });

const job = await add.call(2, 3);
console.log(`add(2, 3) = ${await job.result({ timeout: 1000 })}`);
await app.close();
