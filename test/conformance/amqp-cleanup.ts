import type { AmqpBroker } from '../../src/brokers/amqp/index.js';

/** Conformance tests that cannot hold on RabbitMQ, whatever the result backend. */
export const AMQP_SKIPS = [
  {
    reason:
      'RabbitMQ hands out tickets by prefetch credit: with max 1 across three queues the first credited queue wins; priority is exact within a queue and among tickets already delivered',
    tests: ['.lease() - highest priority first across the queues requested together'],
  },
];

/** The shared RabbitMQ of this machine (and CI). */
export const AMQP_URL = process.env.DROVER_TEST_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

/**
 * Deletes exactly the queues and exchanges these brokers declared (all under
 * their run's unique prefix), through a connection of its own: a shared
 * RabbitMQ keeps nothing of a test run and loses nothing of anyone else's.
 */
export async function deleteDeclared(brokers: readonly AmqpBroker[], url = AMQP_URL): Promise<void> {
  const queues = new Set<string>();
  const exchanges = new Set<string>();
  for (const broker of brokers) {
    for (const q of broker.declared.queues) queues.add(q);
    for (const e of broker.declared.exchanges) exchanges.add(e);
  }
  if (queues.size === 0 && exchanges.size === 0) return;
  const amqp = await import('amqplib');
  const connection = await amqp.connect(url);
  try {
    const channel = await connection.createChannel();
    for (const q of queues) await channel.deleteQueue(q);
    for (const e of exchanges) await channel.deleteExchange(e);
    await channel.close();
  } finally {
    await connection.close();
  }
}

/**
 * For runs whose brokers lived in other processes: deletes the work queues
 * of `queues`, every delay bucket queue and the delay exchange of `prefix`
 * (names from src/brokers/amqp/topology.ts). Missing ones are fine.
 */
export async function deletePrefixed(prefix: string, queues: readonly string[], url = AMQP_URL): Promise<void> {
  const { Topology, MIN_DELAY_BUCKET, MAX_DELAY_BUCKET } = await import('../../src/brokers/amqp/topology.js');
  const topology = new Topology(prefix);
  const names = queues.map((q) => topology.workQueue(q));
  for (let b = MIN_DELAY_BUCKET; b <= MAX_DELAY_BUCKET; b *= 2) names.push(topology.delayQueue(b));
  const amqp = await import('amqplib');
  const connection = await amqp.connect(url);
  try {
    const channel = await connection.createChannel();
    for (const name of names) await channel.deleteQueue(name);
    await channel.deleteExchange(topology.delayExchange);
    await channel.close();
  } finally {
    await connection.close();
  }
}
