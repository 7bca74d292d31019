import { defineConfig } from 'tsup';

export default defineConfig({
  entry: {
    index: 'src/index.ts',
    'brokers/memory/index': 'src/brokers/memory/index.ts',
    'brokers/sqlite/index': 'src/brokers/sqlite/index.ts',
    'brokers/remote/index': 'src/brokers/remote/index.ts',
    'server/index': 'src/server/index.ts',
    'testing/index': 'src/testing/index.ts',
    'cli/main': 'src/cli/main.ts',
  },
  format: ['esm'],
  target: 'node20',
  dts: true,
  sourcemap: true,
  clean: true,
  splitting: true,
  shims: false,
  // drover/testing registers vitest tests: vitest comes from the project that runs them.
  external: ['vitest'],
});
