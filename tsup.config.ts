import { defineConfig } from 'tsup';

export default defineConfig([
  {
    entry: {
      index: 'src/index.ts',
      'brokers/memory/index': 'src/brokers/memory/index.ts',
      'brokers/sqlite/index': 'src/brokers/sqlite/index.ts',
      'brokers/amqp/index': 'src/brokers/amqp/index.ts',
      'brokers/remote/index': 'src/brokers/remote/index.ts',
      'brokers/redis/index': 'src/brokers/redis/index.ts',
      'server/index': 'src/server/index.ts',
      'testing/index': 'src/testing/index.ts',
      'cli/main': 'src/cli/main.ts',
    },
    format: ['esm'],
    target: 'node20',
    dts: true,
    sourcemap: true,
    // dist/dashboard is the other build's.
    clean: ['!dashboard/**'],
    splitting: true,
    shims: false,
    // drover/testing registers vitest tests: vitest comes from the project that runs them.
    external: ['vitest'],
    // The Lua scripts (Redis broker, AMQP broker's Redis backend) are read at run time: ship them.
    onSuccess: async () => {
      const { cpSync } = await import('node:fs');
      cpSync('src/brokers/redis/lua', 'dist/brokers/redis/lua', { recursive: true });
      cpSync('src/brokers/amqp/redis-backend/lua', 'dist/brokers/amqp/redis-backend/lua', { recursive: true });
    },
  },
  {
    // The dashboard's browser script and styles (uPlot bundled in), served by `drover server`.
    entry: { dashboard: 'src/dashboard/client/main.ts' },
    outDir: 'dist/dashboard',
    format: ['iife'],
    outExtension: () => ({ js: '.js' }),
    platform: 'browser',
    target: 'es2022',
    minify: true,
    sourcemap: false,
    dts: false,
    clean: true,
  },
]);
