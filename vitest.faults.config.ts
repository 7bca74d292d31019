import { defineConfig } from 'vitest/config';

/** Multi-process fault tests (real SIGKILLs, real server restarts): `npm run test:faults`, run by CI after `npm test`. */
export default defineConfig({
  test: {
    include: ['test/faults/**/*.test.ts'],
    testTimeout: 180_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 1,
    fileParallelism: false,
    globalSetup: ['test/global-setup.ts'],
  },
});
