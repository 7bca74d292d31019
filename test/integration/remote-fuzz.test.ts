/**
 * Hostile frames at the worker gateway of a real `drover server`
 * (docs/reliability.md S14, S15): thousands of malformed frames — non-JSON, wrong
 * types, deep nesting, huge numbers, binary, unknown types, hostile keys —
 * each answered by an error frame or a close within 100 ms, no job state
 * changed, and a healthy worker beside them keeps working; an oversized
 * frame closes only its own connection (1009).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Received, ServerChild } from './remote-helpers.js';
import { RawClient, killAll, startServer, startWorker, waitFor } from './remote-helpers.js';

let server: ServerChild;

beforeAll(async () => {
  server = await startServer();
});

afterAll(() => killAll());

/** A small deterministic PRNG (mulberry32), so a failure can be replayed. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Frame = { data: string | Buffer; binary?: boolean };

const nest = (depth: number, inner = '1'): string => '['.repeat(depth) + inner + ']'.repeat(depth);

/** Frames every one of which the gateway must refuse. */
function corpus(random: () => number, authenticated: boolean): Frame[] {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const text = (n: number): string =>
    Array.from({ length: n }, () => String.fromCharCode(32 + Math.floor(random() * 95))).join('');
  const id = (): string => `fz-${Math.floor(random() * 1e9)}`;
  const frames: Frame[] = [
    { data: text(1 + Math.floor(random() * 60)) },
    { data: pick(['{', '}{', '{"type":', '[1,2', 'nul', '"unterminated', '{"type":"ping"', '\u0000\u0001']) },
    { data: pick(['1', '"ping"', '[]', 'null', 'true', '[{"type":"ping"}]']) },
    { data: JSON.stringify(pick([{}, { type: 5 }, { type: null }, { type: ['ping'] }, { typ: 'ping' }])) },
    {
      data: JSON.stringify({
        type: pick([
          'jobz',
          '__proto__',
          'constructor',
          'toString',
          'hasOwnProperty',
          'PING',
          '',
          'job',
          'welcome',
          'challenge',
        ]),
      }),
    },
    {
      data: JSON.stringify(
        pick([
          { type: 'credit', concurrency: 'x' },
          { type: 'credit', concurrency: -1 },
          { type: 'credit', concurrency: 1.5 },
          { type: 'credit' },
          { type: 'ping', t: 'x' },
          { type: 'done', id: 5, lease: 'l' },
          { type: 'progress' },
          { type: 'release', id: '' },
          { type: 'fail', id: 'a', lease: 'b', error: 'str', retry: 'yes' },
          { type: 'done', id: 'a'.repeat(300), lease: 'b' },
          { type: 'fail', id: 'a', lease: 'b', error: { name: 'E', message: 'm' }, retry: true, delayMs: -5 },
        ]),
      ),
    },
    {
      data: pick([
        '{"type":"credit","concurrency":1e400}',
        '{"type":"ping","t":1e400}',
        '{"type":"credit","concurrency":123456789012345678901234567890}',
        '{"type":"done","id":"a","lease":"b","result":-1e999}',
      ]),
    },
    { data: nest(100 + Math.floor(random() * 20_000)) },
    { data: `{"type":"done","id":"a","lease":"b","result":${nest(70)}}` },
    {
      data: pick([
        '{"type":"done","id":"a","lease":"b","result":{"__proto__":{"polluted":1}}}',
        '{"type":"progress","id":"a","lease":"b","value":{"constructor":{"prototype":{"polluted":1}}}}',
      ]),
    },
    {
      data: Buffer.from(Array.from({ length: 1 + Math.floor(random() * 64) }, () => Math.floor(random() * 256))),
      binary: true,
    },
  ];
  if (authenticated) {
    frames.push(
      {
        data: JSON.stringify(
          pick([
            { type: 'done', id: id(), lease: id(), result: 1 },
            { type: 'progress', id: id(), lease: id(), value: 0.5 },
            { type: 'release', id: id(), lease: id() },
            { type: 'fail', id: id(), lease: id(), error: { name: 'E', message: 'm' }, retry: false },
          ]),
        ),
      },
      { data: JSON.stringify({ type: 'hello', protocol: 1, name: 'again', tasks: ['x'], concurrency: 1 }) },
    );
  } else {
    frames.push({ data: JSON.stringify({ type: 'done', id: id(), lease: id(), result: 1 }) });
  }
  return frames;
}

/** A connection to fuzz, authenticated (with concurrency 0: it is never sent a job) or not. */
async function fuzzer(authenticated: boolean): Promise<RawClient> {
  const client = await RawClient.open(server.port);
  if (authenticated) await client.handshake(undefined, { tasks: ['fuzz-target'], concurrency: 0 });
  return client;
}

function isAnswer(r: Received | undefined): boolean {
  return r !== undefined && ('closed' in r || r.type === 'error');
}

describe('gateway under hostile frames', () => {
  it('thousands of malformed frames: each refused within 100 ms, no crash, no job touched, a healthy worker unaffected', async () => {
    const untouched = await server.api.enqueue(Array.from({ length: 20 }, () => ({ task: 'fuzz-target' })));
    const worker = startWorker(server.port, { concurrency: 10 });
    const healthy = await server.api.enqueue(Array.from({ length: 1000 }, (_, i) => ({ task: 'add', args: [i, 1] })));
    const random = prng(0x5eed);
    const latencies: number[] = [];
    let frames = 0;
    let connections = 0;
    let client: RawClient | undefined;
    let authenticated = false;
    while (frames < 3000) {
      if (!client || client.closeCode !== undefined) {
        authenticated = random() < 0.8;
        client = await fuzzer(authenticated);
        connections++;
      }
      const list = corpus(random, authenticated);
      const frame = list[Math.floor(random() * list.length)]!;
      const sent = performance.now();
      client.send(frame.data, frame.binary === true);
      const answer = await client.next(1000);
      latencies.push(performance.now() - sent);
      frames++;
      if (!isAnswer(answer))
        throw new Error(`frame ${JSON.stringify(String(frame.data).slice(0, 80))} got ${JSON.stringify(answer)}`);
      if (answer && 'closed' in answer) expect([1007, 1009, 4400, 4401]).toContain(answer.closed);
    }
    client?.close();
    latencies.sort((a, b) => a - b);
    expect(latencies.at(-1)!).toBeLessThan(100);
    expect(connections).toBeGreaterThan(100);
    expect(await server.api.healthy()).toBe(true);
    expect(await server.api.queue('fuzz-target')).toMatchObject({
      waiting: untouched.length,
      active: 0,
      succeeded: 0,
      failed: 0,
    });
    await waitFor(
      async () => (await server.api.queue('add')).succeeded >= healthy.length,
      20_000,
      'the healthy worker to finish',
    );
    worker.proc.kill('SIGTERM');
    expect(await worker.exit).toBe(0);
  }, 60_000);

  it('an oversized frame closes only its own connection with 1009', async () => {
    const bystander = await RawClient.open(server.port);
    await bystander.handshake();
    // Before auth the limit is 4 KiB: 4096 bytes is a bad frame, 4097 closes.
    const small = await RawClient.open(server.port);
    small.send(`"${'x'.repeat(4094)}"`);
    expect(await small.next()).toMatchObject({ type: 'error', code: 'bad_frame' });
    const started = performance.now();
    small.send(`"${'x'.repeat(4095)}"`);
    expect(await small.next()).toEqual({ closed: 1009 });
    expect(performance.now() - started).toBeLessThan(100);
    // After auth the limit is 1 MiB.
    const big = await RawClient.open(server.port);
    await big.handshake();
    big.send(JSON.stringify({ type: 'ping', pad: 'x'.repeat(1024 * 1024 - 40) }));
    expect(await big.next()).toMatchObject({ type: 'pong' });
    big.send(JSON.stringify({ type: 'ping', pad: 'x'.repeat(1024 * 1024) }));
    expect(await big.next()).toEqual({ closed: 1009 });
    // The bystander is untouched.
    bystander.send({ type: 'ping', t: 1 });
    expect(await bystander.next()).toEqual({ type: 'pong', t: 1 });
    bystander.close();
    expect(await server.api.healthy()).toBe(true);
  });
});
