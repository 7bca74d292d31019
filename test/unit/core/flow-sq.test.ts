import { expect, test } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Drover, chain, group, chord, Fail } from '../../../src/index.js';

test('smoke sqlite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fl-'));
  const app = new Drover({ broker: `sqlite:${join(dir, 'x.db')}` });
  const add = app.task('add', (a: number, b: number) => a + b);
  const mul = app.task('mul', (a: number, b: number) => a * b);
  const sum = app.task('sum', (xs: number[]) => xs.reduce((a, b) => a + b, 0));
  let failing = true;
  const flaky = app.task('flaky', (x: number) => { if (failing) throw new Fail('nope'); return x; });
  app.worker({ concurrency: 4 });
  expect(await (await app.call(chain(add.sig(2, 2), add.sig(4), mul.sig(10)))).result()).toBe(80);
  expect(await (await app.call(group(add.sig(1, 1), add.sig(2, 2)))).result()).toEqual([2, 4]);
  expect(await (await app.call(chord(group(add.sig(1, 1), add.sig(2, 2)), sum.sig()))).result()).toBe(6);
  const f = await app.call(chain(add.sig(1, 1), flaky.sig(), add.sig(5)));
  await expect(f.result()).rejects.toThrow(/step flaky \(job .*\.1\) failed: nope/);
  expect((await app.job(f.id + '.2').status().catch(() => undefined))).toBeUndefined();
  failing = false;
  const b = await app.broker();
  expect(await b.retry(f.id)).toBeDefined();
  expect(await f.result({ timeout: 5000 })).toBe(7);
  await app.close();
});
