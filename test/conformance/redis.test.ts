import { randomUUID } from 'node:crypto';
import { afterAll } from 'vitest';
import { createRedisBroker } from '../../src/brokers/redis/index.js';
import { runBrokerConformance } from './broker.suite.js';
import { deletePrefix, redisUrl } from '../integration/redis-helpers.js';

// One prefix per run on the shared Redis; its keys are deleted afterwards (only its own).
const prefix = `drover-test-${randomUUID()}`;
afterAll(() => deletePrefix(redisUrl, prefix));

runBrokerConformance({
  name: 'redis',
  create: (options) => createRedisBroker({ url: redisUrl, prefix, ...options }),
});
