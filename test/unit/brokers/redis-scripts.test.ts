import type { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { BROKER_SCRIPTS, ScriptRunner } from '../../../src/brokers/redis/scripts.js';

/** A client that records which command each call used; EVALSHA answers NOSCRIPT while `flushed`. */
function fakeClient(): { client: Redis; calls: string[]; flush: () => void } {
  const calls: string[] = [];
  let flushed = false;
  const client = {
    eval: () => {
      calls.push('eval');
      flushed = false;
      return Promise.resolve('ok');
    },
    evalsha: () => {
      calls.push('evalsha');
      return flushed ? Promise.reject(new Error('NOSCRIPT No matching script.')) : Promise.resolve('ok');
    },
  } as unknown as Redis;
  return { client, calls, flush: () => (flushed = true) };
}

describe('ScriptRunner', () => {
  it("sends a script's first call in full (EVAL), so a NOSCRIPT retry cannot reorder it behind later commands", async () => {
    const { client, calls } = fakeClient();
    const runner = new ScriptRunner(client, '{p}:', BROKER_SCRIPTS);
    await runner.run('progress', []);
    await runner.run('progress', []);
    await runner.run('finish', []);
    expect(calls).toEqual(['eval', 'evalsha', 'eval']);
  });

  it('falls back to EVAL when the server lost its scripts (a restart, SCRIPT FLUSH)', async () => {
    const { client, calls, flush } = fakeClient();
    const runner = new ScriptRunner(client, '{p}:', BROKER_SCRIPTS);
    await runner.run('lease', []);
    flush();
    expect(await runner.run('lease', [])).toBe('ok');
    expect(calls).toEqual(['eval', 'evalsha', 'eval']);
  });
});
