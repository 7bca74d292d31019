/**
 * The broker conformance suite on a 3-master Redis Cluster the test starts
 * itself (free ports, private directories): every key of a prefix is
 * hash-tagged into one slot, so the multi-key scripts stay atomic, and
 * events published on one node reach subscribers on any other.
 */
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { createRedisBroker } from '../../src/brokers/redis/index.js';
import { runBrokerConformance } from '../conformance/broker.suite.js';
import { freePort, waitForRedis } from '../integration/redis-helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'drover-redis-cluster-'));
const servers: ChildProcess[] = [];
const ports: number[] = [];
const prefix = `drover-cluster-${randomUUID().slice(0, 8)}`;

beforeAll(async () => {
  for (let i = 0; i < 3; i++) {
    const port = await freePort();
    const nodeDir = join(dir, String(port));
    mkdtempSync(nodeDir);
    ports.push(port);
    servers.push(
      spawn(
        'redis-server',
        ['--port', String(port), '--cluster-enabled', 'yes', '--cluster-config-file', join(dir, `nodes-${port}.conf`)]
          .concat(['--appendonly', 'yes', '--appendfsync', 'always', '--save', '', '--dir', dir])
          .concat(['--appendfilename', `aof-${port}.aof`, '--appenddirname', `aof-${port}`]),
        { stdio: 'ignore' },
      ),
    );
  }
  await Promise.all(ports.map((port) => waitForRedis(`redis://127.0.0.1:${port}`)));
  const created = spawnSync(
    'redis-cli',
    ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '0', '--cluster-yes'],
    { encoding: 'utf8', timeout: 60_000 },
  );
  if (created.status !== 0) throw new Error(`redis-cli --cluster create failed:\n${created.stdout}\n${created.stderr}`);
  for (const port of ports) {
    for (let i = 0; ; i++) {
      const info = spawnSync('redis-cli', ['-p', String(port), 'cluster', 'info'], { encoding: 'utf8' }).stdout;
      if (info.includes('cluster_state:ok')) break;
      if (i > 200) throw new Error(`cluster node ${port} never reached cluster_state:ok`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}, 90_000);

afterAll(async () => {
  await Promise.all(
    servers.map((s) => {
      const exited = new Promise((resolve) => s.once('exit', resolve));
      s.kill('SIGKILL');
      return exited;
    }),
  );
  rmSync(dir, { recursive: true, force: true });
});

runBrokerConformance({
  name: 'redis cluster (3 masters)',
  create: (options) =>
    createRedisBroker({
      url: `redis://127.0.0.1:${ports[0]}`,
      nodes: ports.slice(1).map((port) => ({ host: '127.0.0.1', port })),
      cluster: true,
      prefix,
      ...options,
    }),
});
