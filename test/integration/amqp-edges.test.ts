/**
 * The AMQP broker's edges: URL parsing, priority buckets, config refusals,
 * an unreachable RabbitMQ, and foreign or malformed messages in a work queue
 * (dropped with a warning, never a crash, nothing else touched).
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { AmqpBroker } from '../../src/brokers/amqp/index.js';
import { amqpPriority, createAmqpBroker, parseAmqpUrl } from '../../src/brokers/amqp/index.js';
import { withBackend } from '../../src/brokers/amqp/options.js';
import { decodeTicket, encodeTicket } from '../../src/brokers/amqp/ticket.js';
import { AMQP_URL, deleteDeclared } from '../conformance/amqp-cleanup.js';

const dir = mkdtempSync(join(tmpdir(), 'drover-amqp-edges-'));
const made: AmqpBroker[] = [];
afterAll(async () => {
  await Promise.all(made.map((b) => b.close()));
  await deleteDeclared(made);
  rmSync(dir, { recursive: true, force: true });
});

function broker(overrides: Record<string, unknown> = {}): AmqpBroker {
  const b = createAmqpBroker({
    url: AMQP_URL,
    prefix: `drover-edges-${randomUUID().slice(0, 8)}`,
    backend: `sqlite:${join(dir, `${randomUUID()}.db`)}`,
    ...overrides,
  });
  made.push(b);
  return b;
}

describe('amqp broker edges', () => {
  it('parseAmqpUrl() - takes drover options out and leaves the rest to amqplib', () => {
    const parsed = parseAmqpUrl(
      'amqp://u:p@h:5672/v?prefix=app1&backend=sqlite%3A.%2Fx.db%3Fsynchronous%3DNORMAL&maxPriority=5&heartbeat=10',
    );
    expect(parsed).toEqual({
      url: 'amqp://u:p@h:5672/v?heartbeat=10',
      prefix: 'app1',
      backend: 'sqlite:./x.db?synchronous=NORMAL',
      maxPriority: 5,
    });
    expect(() => parseAmqpUrl('amqp://u:secret@h/v?prefix=a')).toThrow(/needs a result backend/);
    expect(() => parseAmqpUrl('amqp://u:secret@h/v?prefix=a')).not.toThrow(/secret/);
    expect(() => parseAmqpUrl('amqp://h/?backend=sqlite:x&maxPriority=0')).toThrow(/maxPriority/);
    expect(() => createAmqpBroker({ url: AMQP_URL, backend: 'sqlite:x', prefix: 'a b' })).toThrow(/prefix/);
    expect(() => createAmqpBroker({ url: AMQP_URL, backend: 'mysql://x' })).toThrow(/backend/);
  });

  it('withBackend() - folds --backend into an amqp URL, refuses other URLs', () => {
    expect(withBackend('amqp://h/v?prefix=a', 'sqlite:./s.db')).toBe('amqp://h/v?prefix=a&backend=sqlite%3A.%2Fs.db');
    expect(parseAmqpUrl(withBackend('amqp://h/v?prefix=a', 'sqlite:./s.db')).backend).toBe('sqlite:./s.db');
    expect(withBackend('sqlite:./x.db', undefined)).toBe('sqlite:./x.db');
    expect(() => withBackend('sqlite:./x.db', 'sqlite:./y.db')).toThrow(/amqp:\/\/ brokers only/);
  });

  it('amqpPriority() - 0 in the middle bucket, one bucket per step, clamped at the ends', () => {
    expect([-9, -5, -1, 0, 1, 5, 9].map((p) => amqpPriority(p, 10))).toEqual([0, 0, 4, 5, 6, 10, 10]);
    expect(amqpPriority(100, 255)).toBe(227);
  });

  it('decodeTicket() - refuses anything that is not a ticket', () => {
    const ticket = { id: 'j1', gen: 2, nonce: 'n', priority: -3, at: 5, dueAt: 9 };
    expect(decodeTicket(encodeTicket(ticket))).toEqual(ticket);
    for (const body of [
      '',
      'not json',
      '{}',
      '[1,2,3]',
      '["j",0,"n",0,1,1]',
      '["j",1,"n",0.5,1,1]',
      'x'.repeat(5000),
    ]) {
      expect(decodeTicket(Buffer.from(body))).toBeUndefined();
    }
  });

  it('consumerTimeout - a job timeout or a lease not shorter than it is refused with ConfigError', async () => {
    const b = broker({ consumerTimeout: 60_000 });
    await b.connect();
    const request = {
      id: `j-${randomUUID()}`,
      task: 't',
      queue: 'q',
      args: [],
      priority: 0,
      delayMs: 0,
      options: { retries: 0, timeout: 60_000, backoff: { type: 'fixed' as const, delay: 1, max: 1 } },
    };
    await expect(b.enqueue([request])).rejects.toMatchObject({ code: 'ERR_DROVER_CONFIG' });
    await expect(b.lease({ queues: ['q'], max: 1, leaseMs: 60_000 })).rejects.toMatchObject({
      code: 'ERR_DROVER_CONFIG',
    });
  });

  it('.connect() - an unreachable RabbitMQ is a BrokerError naming the URL without its password', async () => {
    const b = broker({ url: 'amqp://guest:hunter2@127.0.0.1:1' });
    const error = (await b.connect().catch((e: unknown) => e)) as Error & { code: string };
    expect(error.code).toBe('ERR_DROVER_BROKER');
    expect(error.message).toContain('127.0.0.1:1');
    expect(error.message).not.toContain('hunter2');
  });

  it('a foreign message in a work queue is dropped with a warning; jobs around it still run', async () => {
    const b = broker();
    await b.connect();
    const queue = `q-${randomUUID()}`;
    const [first] = await b.enqueue([
      {
        id: `j-${randomUUID()}`,
        task: 't',
        queue,
        args: [1],
        priority: 0,
        delayMs: 0,
        options: { retries: 0, backoff: { type: 'fixed', delay: 1, max: 1 } },
      },
    ]);
    // Listen before publishing: the broker's consumer may drop the foreign messages at once.
    const warnings: string[] = [];
    const onWarning = (w: Error): void => void warnings.push(w.message);
    process.on('warning', onWarning);
    const amqp = await import('amqplib');
    const connection = await amqp.connect(AMQP_URL);
    const channel = await connection.createConfirmChannel();
    const target = [...b.declared.queues].find((q) => q.endsWith(queue))!;
    for (const body of ['garbage', '["x",1]', JSON.stringify({ __proto__: { polluted: true } })]) {
      channel.sendToQueue(target, Buffer.from(body), { persistent: true });
    }
    await channel.waitForConfirms();
    await connection.close();
    let leased: { id: string }[] = [];
    for (let i = 0; i < 50 && leased.length === 0; i++) {
      leased = await b.lease({ queues: [queue], max: 10, leaseMs: 5000 });
      if (leased.length === 0) await new Promise((r) => setTimeout(r, 50));
    }
    // process.emitWarning() delivers on a later tick.
    for (let i = 0; i < 40 && !warnings.some((w) => w.includes('not a drover ticket')); i++)
      await new Promise((r) => setTimeout(r, 50));
    process.off('warning', onWarning);
    expect(leased.map((j) => j.id)).toEqual([first!.id]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(warnings.some((w) => w.includes('not a drover ticket'))).toBe(true);
  });
});
