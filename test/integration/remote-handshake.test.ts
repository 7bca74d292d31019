/**
 * The worker handshake of docs/protocol.md against a real `drover server`
 * (docs/reliability.md S16, S17, S19): mutual HMAC proofs, one identical answer for
 * every failure, the auth deadline, replays, a second auth, nothing about
 * jobs before auth, session resume, and throttling per address.
 *
 * Every test that fails a handshake ends with a good one: a success clears
 * the address's failure count, so the throttle test at the end starts clean.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClientNonce, workerProof } from '../../src/protocol/index.js';
import type { Frame, Received, ServerChild } from './remote-helpers.js';
import { RawClient, SECRET, killAll, startServer, startWorker, waitFor } from './remote-helpers.js';

let server: ServerChild;

beforeAll(async () => {
  server = await startServer();
});

afterAll(() => killAll());

/** Opens a socket, says hello, returns the client and its challenge. */
async function challenged(
  hello: Record<string, unknown> = {},
): Promise<{ client: RawClient; challenge: { workerId: string; nonce: string } }> {
  const client = await RawClient.open(server.port);
  client.send({ type: 'hello', protocol: 1, name: 'raw', tasks: ['work'], concurrency: 1, ...hello });
  const challenge = (await client.next()) as Frame;
  expect(challenge.type).toBe('challenge');
  expect(Buffer.from(String(challenge.nonce), 'base64')).toHaveLength(32);
  return { client, challenge: { workerId: String(challenge.workerId), nonce: String(challenge.nonce) } };
}

/** Everything the server answers until it closes. */
async function answers(client: RawClient, timeoutMs = 2000): Promise<Received[]> {
  const out: Received[] = [];
  for (;;) {
    const r = await client.next(timeoutMs);
    if (!r) throw new Error(`no close within ${timeoutMs} ms; got ${JSON.stringify(out)}`);
    out.push(r);
    if ('closed' in r) return out;
  }
}

const REFUSED = [{ type: 'error', code: 'auth_failed', message: 'auth failed' }, { closed: 4401 }];

/** A good handshake (also clears the address's failure count). */
async function goodHandshake(session?: string): Promise<{ session: string }> {
  const client = await RawClient.open(server.port);
  const { welcome } = await client.handshake(SECRET, session === undefined ? {} : { session });
  client.close();
  return { session: String(welcome.session) };
}

describe('worker handshake', () => {
  it('hello → challenge → auth → welcome, with a server proof the worker can check', async () => {
    const client = await RawClient.open(server.port);
    const { workerId, welcome } = await client.handshake();
    expect(workerId).toMatch(/^w-/);
    expect(welcome).toMatchObject({ heartbeatMs: 1000, leaseMs: 2000 });
    expect(typeof welcome.session).toBe('string');
    client.send({ type: 'ping', t: 7 });
    expect(await client.next()).toEqual({ type: 'pong', t: 7 });
    await waitFor(
      async () => (await server.api.workers()).some((w) => w.id === workerId),
      2000,
      'the worker to be listed',
    );
    const metrics = await (
      await fetch(`${server.api.base}/metrics`, { headers: { authorization: `Bearer ${SECRET}` } })
    ).text();
    expect(Number(/^drover_workers_connected (\d+)$/m.exec(metrics)?.[1])).toBeGreaterThanOrEqual(1);
    client.close();
  });

  it('a wrong secret, wrong-length and non-hex proofs, a malformed auth: one identical answer', async () => {
    const attempts: ((c: { workerId: string; nonce: string }) => unknown)[] = [
      (c) => ({
        type: 'auth',
        workerId: c.workerId,
        clientNonce: 'n',
        proof: workerProof('another-secret-0123456789abcdef-000', c.workerId, c.nonce, 'n'),
      }),
      (c) => ({
        type: 'auth',
        workerId: c.workerId,
        clientNonce: 'n',
        proof: workerProof(SECRET, c.workerId, c.nonce, 'n').slice(0, 63),
      }),
      (c) => ({
        type: 'auth',
        workerId: c.workerId,
        clientNonce: 'n',
        proof: `${workerProof(SECRET, c.workerId, c.nonce, 'n').slice(0, 62)}zz`,
      }),
      (c) => ({ type: 'auth', workerId: c.workerId, clientNonce: 'n', proof: 'x'.repeat(200) }),
      (c) => ({ type: 'auth', workerId: c.workerId, clientNonce: 'n', proof: 42 }),
      (c) => ({
        type: 'auth',
        workerId: `${c.workerId}x`,
        clientNonce: 'n',
        proof: workerProof(SECRET, `${c.workerId}x`, c.nonce, 'n'),
      }),
    ];
    for (const attempt of attempts) {
      const { client, challenge } = await challenged();
      client.send(attempt(challenge));
      expect(await answers(client)).toEqual(REFUSED);
      await goodHandshake();
    }
  });

  it('no answer to the challenge, or no hello at all: refused and closed at the 5 s deadline', async () => {
    const started = Date.now();
    const silent = await RawClient.open(server.port);
    const { client: noAuth } = await challenged();
    const [a, b] = await Promise.all([answers(silent, 7000), answers(noAuth, 7000)]);
    const elapsed = Date.now() - started;
    expect(a).toEqual(REFUSED);
    expect(b).toEqual(REFUSED);
    expect(elapsed).toBeGreaterThan(4500);
    expect(elapsed).toBeLessThan(6500);
    await goodHandshake();
  }, 15_000);

  it('a replayed auth frame is refused: the nonce it answered was single use', async () => {
    // Connection A authenticates; its auth frame is recorded.
    const { client: a, challenge } = await challenged();
    const clientNonce = createClientNonce();
    const recorded = {
      type: 'auth',
      workerId: challenge.workerId,
      clientNonce,
      proof: workerProof(SECRET, challenge.workerId, challenge.nonce, clientNonce),
    };
    a.send(recorded);
    expect(await a.next()).toMatchObject({ type: 'welcome' });
    // B replays it word for word, then with B's own worker id.
    const { client: b } = await challenged();
    b.send(recorded);
    expect(await answers(b)).toEqual(REFUSED);
    const { client: c, challenge: cc } = await challenged();
    c.send({ ...recorded, workerId: cc.workerId });
    expect(await answers(c)).toEqual(REFUSED);
    // A itself cannot replay it either: a second auth is refused, and A is unchanged.
    a.send(recorded);
    expect(await a.next()).toMatchObject({ type: 'error', code: 'bad_frame' });
    a.send({ type: 'ping' });
    expect(await a.next()).toEqual({ type: 'pong' });
    expect((await server.api.workers()).filter((w) => w.id === challenge.workerId)).toHaveLength(1);
    a.close();
    await goodHandshake();
  });

  it('auth before hello is refused like any other failure', async () => {
    const client = await RawClient.open(server.port);
    client.send({ type: 'auth', workerId: 'w-x', clientNonce: 'n', proof: '0'.repeat(64) });
    expect(await answers(client)).toEqual(REFUSED);
    await goodHandshake();
  });

  it('nothing about jobs before auth: frames are refused with not_authenticated, no job is pushed', async () => {
    await server.api.enqueue([{ task: 'pre-auth' }]);
    const client = await RawClient.open(server.port);
    for (const frame of [
      { type: 'credit', concurrency: 5 },
      { type: 'done', id: 'x', lease: 'y', result: 1 },
      { type: 'progress', id: 'x', lease: 'y', value: 1 },
      { type: 'ping' },
    ]) {
      client.send(frame);
      expect(await client.next()).toMatchObject({ type: 'error', code: 'not_authenticated' });
    }
    client.send({ type: 'hello', protocol: 1, name: 'raw', tasks: ['pre-auth'], concurrency: 5 });
    expect(await client.next()).toMatchObject({ type: 'challenge' });
    client.send({ type: 'fail', id: 'x', lease: 'y', error: { name: 'E', message: 'm' }, retry: false });
    expect(await client.next()).toMatchObject({ type: 'error', code: 'not_authenticated' });
    expect(await client.next(300)).toBeUndefined();
    expect(await server.api.queue('pre-auth')).toMatchObject({ waiting: 1, active: 0 });
    client.close();
  });

  it('a session key resumes the worker id once; the key rotates on every welcome', async () => {
    const first = await RawClient.open(server.port);
    const { workerId, welcome } = await first.handshake();
    first.close();
    const second = await RawClient.open(server.port);
    const resumed = await second.handshake(SECRET, { session: welcome.session });
    expect(resumed.workerId).toBe(workerId);
    expect(resumed.welcome.session).not.toBe(welcome.session);
    second.close();
    const third = await RawClient.open(server.port);
    const stale = await third.handshake(SECRET, { session: welcome.session });
    expect(stale.workerId).not.toBe(workerId);
    third.close();
  });

  it('connections that never authenticate do not keep a real worker out', async () => {
    const idle = await Promise.all(Array.from({ length: 10 }, () => RawClient.open(server.port)));
    const started = Date.now();
    await goodHandshake();
    expect(Date.now() - started).toBeLessThan(1000);
    for (const c of idle) c.close();
  });

  it('a protocol version the server does not speak is refused with 4400', async () => {
    const client = await RawClient.open(server.port);
    client.send({ type: 'hello', protocol: 2, name: 'raw', tasks: ['work'], concurrency: 1 });
    const got = await answers(client);
    expect(got[0]).toMatchObject({ type: 'error', code: 'bad_frame' });
    expect(got.at(-1)).toEqual({ closed: 4400 });
  });

  it('repeated failures from one address are throttled (error throttled, 4429), a resumed session still gets in, then a new worker does', async () => {
    const { session } = await goodHandshake();
    for (let i = 0; i < 5; i++) {
      const { client } = await challenged();
      client.send({ type: 'auth', workerId: 'nobody', clientNonce: 'n', proof: '0'.repeat(64) });
      expect(await answers(client)).toEqual(REFUSED);
    }
    const blocked = await RawClient.open(server.port);
    blocked.send({ type: 'hello', protocol: 1, name: 'raw', tasks: ['work'], concurrency: 1 });
    const got = await answers(blocked);
    expect(got[0]).toMatchObject({ type: 'error', code: 'throttled' });
    expect(got.at(-1)).toEqual({ closed: 4429 });
    // A worker that proved the secret before is not punished for the others' failures.
    await goodHandshake(session);
    await goodHandshake();
  });

  it('the server is unaffected: a worker process still runs jobs', async () => {
    const worker = startWorker(server.port, { concurrency: 2 });
    const [id] = await server.api.enqueue([{ task: 'add', args: [2, 3] }]);
    const job = await waitFor(
      async () => {
        const j = await server.api.job(id!);
        return j.status === 'succeeded' ? j : undefined;
      },
      15_000,
      'the job to succeed',
    );
    expect(job.result).toBe(5);
    worker.proc.kill('SIGTERM');
    expect(await worker.exit).toBe(0);
  });
});
