/**
 * The SQLite write queue under another connection's write lock: the event
 * loop stays free while writes wait (each try blocks at most `busyBlock`),
 * the wait is counted, a write past `busyTimeout` fails with a BrokerError,
 * and writes made within one commit window share one transaction.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { EnqueueRequest } from '../../src/brokers/contract.js';
import type { SqliteBroker, SqliteBrokerOptions } from '../../src/brokers/sqlite/index.js';
import { createSqliteBroker, parseSqliteUrl } from '../../src/brokers/sqlite/index.js';
import { BrokerError } from '../../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'drover-sqlite-contention-'));
const opened: SqliteBroker[] = [];
const locks: Database.Database[] = [];
afterEach(async () => {
  for (const db of locks.splice(0)) db.close();
  await Promise.all(opened.splice(0).map((b) => b.close()));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function open(options: Partial<SqliteBrokerOptions> = {}): Promise<SqliteBroker> {
  const broker = createSqliteBroker({ path: join(dir, `${randomUUID()}.db`), ...options });
  opened.push(broker);
  await broker.connect();
  return broker;
}

/** Another connection that takes the write lock now and holds it for `ms`. */
function holdLock(path: string, ms: number): Promise<void> {
  const db = new Database(path);
  locks.push(db);
  db.exec('BEGIN IMMEDIATE');
  return new Promise((resolve) =>
    setTimeout(() => {
      db.exec('COMMIT');
      resolve();
    }, ms),
  );
}

function job(): EnqueueRequest {
  return {
    id: randomUUID(),
    task: 't',
    queue: 't',
    args: [],
    priority: 0,
    delayMs: 0,
    options: { retries: 0, backoff: { type: 'fixed', delay: 0, max: 0, jitter: false } },
  };
}

/** The longest gap between ticks of a 5 ms interval while `body` runs. */
async function longestStall(body: () => Promise<unknown>): Promise<number> {
  let last = performance.now();
  let longest = 0;
  const timer = setInterval(() => {
    const at = performance.now();
    longest = Math.max(longest, at - last);
    last = at;
  }, 5);
  try {
    await body();
  } finally {
    clearInterval(timer);
  }
  return longest;
}

describe('sqlite write queue under lock contention', () => {
  it('waits for another connection with the event loop free, then commits; the wait is counted', async () => {
    const broker = await open({ busyBlock: 10 });
    const held = holdLock(broker.path, 1000);
    const stall = await longestStall(async () => {
      const [result] = await broker.enqueue([job()]);
      expect(result?.status).toBe('queued');
    });
    await held;
    // Each try blocks ≤ 10 ms; a loaded machine adds scheduling noise, but a blocking wait would stall ≥ 1000 ms.
    expect(stall).toBeLessThan(600);
    const contention = broker.contention;
    expect(contention.busy).toBeGreaterThan(0);
    expect(contention.timeouts).toBe(0);
    expect(contention.waitedMs).toBeGreaterThan(500);
  });

  it('fails with a BrokerError once busyTimeout has passed, and counts it', async () => {
    const broker = await open({ busyBlock: 5, busyTimeout: 100 });
    void holdLock(broker.path, 1000);
    const error = await broker.enqueue([job()]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BrokerError);
    expect((error as Error).message).toMatch(/locked/);
    expect(broker.contention.timeouts).toBe(1);
  });

  it('writes within one commit window share a transaction (one commit)', async () => {
    const broker = await open({ commitWindow: 20 });
    const probe = new Database(broker.path, { readonly: true });
    locks.push(probe);
    const before = probe.pragma('data_version', { simple: true }) as number;
    const first = broker.enqueue([job()]);
    await new Promise((resolve) => setTimeout(resolve, 5)); // a later turn, inside the window
    const second = broker.enqueue([job()]);
    await Promise.all([first, second]);
    // data_version moves once per commit made by another connection.
    expect((probe.pragma('data_version', { simple: true }) as number) - before).toBe(1);
  });

  it('checks the new options', () => {
    expect(parseSqliteUrl('sqlite:x.db?commitWindow=0&busyBlock=5')).toMatchObject({ commitWindow: 0, busyBlock: 5 });
    expect(() => parseSqliteUrl('sqlite:x.db?commitWindow=-1')).toThrow(/commitWindow/);
    expect(() => parseSqliteUrl('sqlite:x.db?busyBlock=0')).toThrow(/busyBlock/);
    expect(() => createSqliteBroker({ path: 'x.db', commitWindow: 5000 })).toThrow(/commitWindow/);
  });
});
