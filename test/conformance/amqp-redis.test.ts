import { randomUUID } from 'node:crypto';
import { afterAll } from 'vitest';
import { createAmqpBroker } from '../../src/brokers/amqp/index.js';
import type { AmqpBroker } from '../../src/brokers/amqp/index.js';
import { deletePrefix, redisUrl } from '../integration/redis-helpers.js';
import { AMQP_SKIPS, AMQP_URL, deleteDeclared } from './amqp-cleanup.js';
import { runBrokerConformance } from './broker.suite.js';

const prefix = `drover-test-${randomUUID().slice(0, 8)}`;
const made: AmqpBroker[] = [];
const backendPrefixes: string[] = [];
let n = 0;
afterAll(async () => {
  await deleteDeclared(made);
  for (const p of backendPrefixes) await deletePrefix(redisUrl, p);
});

// RabbitMQ at 127.0.0.1:5672 under a unique prefix; the shared Redis as result backend, a fresh
// backend prefix per test (its keys deleted afterwards, never a FLUSH).
runBrokerConformance({
  name: 'amqp (redis backend)',
  create: (options) => {
    const backendPrefix = `${prefix}-t${n++}`;
    backendPrefixes.push(backendPrefix);
    const broker = createAmqpBroker({
      url: AMQP_URL,
      prefix,
      backend: `${redisUrl}/0?prefix=${backendPrefix}`,
      ...options,
    });
    made.push(broker);
    return broker;
  },
  skip: AMQP_SKIPS,
});
