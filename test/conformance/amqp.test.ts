import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { createAmqpBroker } from '../../src/brokers/amqp/index.js';
import type { AmqpBroker } from '../../src/brokers/amqp/index.js';
import { AMQP_SKIPS, AMQP_URL, deleteDeclared } from './amqp-cleanup.js';
import { runBrokerConformance } from './broker.suite.js';

const dir = mkdtempSync(join(tmpdir(), 'drover-amqp-conformance-'));
const prefix = `drover-test-${randomUUID().slice(0, 8)}`;
const made: AmqpBroker[] = [];
let n = 0;
afterAll(async () => {
  await deleteDeclared(made);
  rmSync(dir, { recursive: true, force: true });
});

// RabbitMQ at 127.0.0.1:5672 under a unique prefix; a fresh SQLite backend file (synchronous=FULL) per test.
runBrokerConformance({
  name: 'amqp (sqlite backend)',
  create: (options) => {
    const broker = createAmqpBroker({
      url: AMQP_URL,
      prefix,
      backend: `sqlite:${join(dir, `t${n++}.db`)}`,
      ...options,
    });
    made.push(broker);
    return broker;
  },
  skip: AMQP_SKIPS,
});
