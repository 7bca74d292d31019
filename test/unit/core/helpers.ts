import { afterEach } from 'vitest';
import { Drover } from '../../../src/index.js';
import type { DroverOptions } from '../../../src/index.js';

const open = new Set<Drover>();

/** A fresh app on `memory:`, closed after the test (the leak guard). */
export function makeApp(options: DroverOptions = {}): Drover {
  const app = new Drover(options);
  open.add(app);
  return app;
}

afterEach(async () => {
  await Promise.all([...open].map((app) => app.close({ grace: 0 })));
  open.clear();
});

/** Resolves after `ms`. */
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it is true or `ms` pass. */
export async function until(check: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await sleep(5);
  }
}
