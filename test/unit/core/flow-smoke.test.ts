import { expect, test } from 'vitest';
import { Drover, chain, group, chord } from '../../../src/index.js';

test('smoke', async () => {
  const app = new Drover();
  const add = app.task('add', (a: number, b: number) => a + b);
  const mul = app.task('mul', (a: number, b: number) => a * b);
  const sum = app.task('sum', (xs: number[]) => xs.reduce((a, b) => a + b, 0));
  app.worker({ concurrency: 4 });
  expect(await (await app.call(chain(add.sig(2, 2), add.sig(4), mul.sig(10)))).result()).toBe(80);
  expect(await (await app.call(group(add.sig(1, 1), add.sig(2, 2)))).result()).toEqual([2, 4]);
  expect(await (await app.call(chord(group(add.sig(1, 1), add.sig(2, 2)), sum.sig()))).result()).toBe(6);
  const nested = await app.call(chain(add.sig(1, 1), group(add.sig(1), chain(mul.sig(3), add.sig(1))), sum.sig()));
  expect(await nested.result()).toBe(3 + 7);
  const job = await app.call(chain(add.sig(1, 1), add.sig(1)));
  await job.result();
  const reports = [];
  for await (const r of job.reports()) reports.push(r.status);
  expect(reports).toEqual(['queued', 'active', 'succeeded']);
  expect((await app.job(job.id + '.1').status()).flowId).toBe(job.id);
  await app.close();
});
