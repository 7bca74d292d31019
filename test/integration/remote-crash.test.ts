/**
 * docs/reliability.md S02 with real processes: a remote worker SIGKILLed with jobs
 * in flight, and one frozen (SIGSTOP: its socket stays open but says
 * nothing). A ledger outside the system records every attempt's start and
 * end. Pass: lost 0; every job recorded once; duplicate executions only
 * among the jobs in flight at the fault; those jobs free again ≤ 1 s after
 * the socket closes, or within 2 × heartbeat + sweep when the worker is
 * silent; the frozen worker's late completions are refused.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LedgerLine, ServerChild } from './remote-helpers.js';
import { killAll, readLedger, startServer, startWorker, waitFor } from './remote-helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'drover-remote-crash-'));
let server: ServerChild;

beforeAll(async () => {
  server = await startServer({ store: `sqlite:${join(dir, 'drover.db')}` });
});

afterAll(() => {
  killAll();
  rmSync(dir, { recursive: true, force: true });
});

/** Ids a pid started and did not end (in flight at a fault). */
function inFlight(lines: LedgerLine[], pid: number): Set<string> {
  const open = new Set<string>();
  for (const l of lines.filter((x) => x.pid === pid)) {
    if (l.event === 'start') open.add(l.id);
    else open.delete(l.id);
  }
  return open;
}

/** How long until every job in `ids` is no longer active (ms since `from`). */
async function freedAfter(ids: Iterable<string>, from: number, timeoutMs: number): Promise<number> {
  const pending = new Set(ids);
  await waitFor(
    async () => {
      for (const id of [...pending]) if ((await server.api.job(id)).status !== 'active') pending.delete(id);
      return pending.size === 0;
    },
    timeoutMs,
    'the jobs of the dead worker to be free again',
    20,
  );
  return Date.now() - from;
}

/** The ledger checks of S02: lost 0, one recorded outcome each, duplicates only among `faulted`. */
async function checkLedger(ids: string[], ledger: string, faulted: Set<string>): Promise<void> {
  const lines = readLedger(ledger);
  const starts = new Map<string, number>();
  for (const l of lines) if (l.event === 'start') starts.set(l.id, (starts.get(l.id) ?? 0) + 1);
  const duplicated = [...starts].filter(([, n]) => n > 1).map(([id]) => id);
  for (const id of duplicated)
    expect(faulted.has(id), `job ${id} ran twice but was not in flight at the fault`).toBe(true);
  for (const id of ids) {
    const job = await server.api.job(id);
    expect(job.status, `job ${id}`).toBe('succeeded');
    // The recorded outcome is that of the last attempt, from the worker that ran it: late completions were refused.
    expect(
      lines.some((l) => l.id === id && l.event === 'end' && l.pid === job.result && l.attempt === job.attempt),
      `job ${id}`,
    ).toBe(true);
    if (faulted.has(id)) expect(job.attempt).toBeGreaterThanOrEqual(2);
  }
}

describe('remote worker crashes (S02)', () => {
  it('SIGKILL with jobs in flight: lost 0, duplicates only among those in flight, freed ≤ 1 s after the socket closed', async () => {
    const ledger = join(dir, 'kill.ledger');
    const a = startWorker(server.port, { concurrency: 10, ledger });
    const b = startWorker(server.port, { concurrency: 10, ledger });
    await waitFor(async () => (await server.api.workers()).length === 2, 10_000, 'two workers');
    const ids = await server.api.enqueue(
      Array.from({ length: 600 }, (_, i) => ({ task: 'work', args: [30 + (i % 50)] })),
    );
    await waitFor(
      () => readLedger(ledger).filter((l) => l.event === 'end' && l.pid === a.pid).length >= 50,
      15_000,
      'worker A to be busy',
    );
    a.proc.kill('SIGKILL');
    const killed = Date.now();
    await a.exit;
    const faulted = inFlight(readLedger(ledger), a.pid);
    expect(faulted.size).toBeGreaterThan(0);
    expect(faulted.size).toBeLessThanOrEqual(10);
    expect(await freedAfter(faulted, killed, 5000)).toBeLessThan(1000);
    await waitFor(async () => (await server.api.queue('work')).succeeded >= ids.length, 30_000, 'every job to succeed');
    expect(await server.api.queue('work')).toMatchObject({ succeeded: ids.length, failed: 0, active: 0, waiting: 0 });
    // Also in flight at the fault: jobs whose handler had ended on A but whose `done` never reached the
    // server (still buffered, or on the wire). The server recorded another worker's outcome for those.
    for (const l of readLedger(ledger)) {
      if (l.pid === a.pid && l.event === 'end' && (await server.api.job(l.id)).result !== a.pid) faulted.add(l.id);
    }
    expect(faulted.size).toBeLessThanOrEqual(20); // at most A's concurrency running plus as many outcomes unsent
    await checkLedger(ids, ledger, faulted);
    b.proc.kill('SIGTERM');
    expect(await b.exit).toBe(0);
  }, 60_000);

  it('a frozen worker (no FIN): dropped within 2 × heartbeat + sweep, its late completions refused', async () => {
    const ledger = join(dir, 'stop.ledger');
    const c = startWorker(server.port, { concurrency: 5, ledger });
    const d = startWorker(server.port, { concurrency: 5, ledger });
    await waitFor(async () => (await server.api.workers()).length === 2, 10_000, 'two workers');
    const ids = await server.api.enqueue(Array.from({ length: 60 }, () => ({ task: 'work', args: [300] })));
    await waitFor(() => inFlight(readLedger(ledger), c.pid).size >= 3, 10_000, 'worker C to hold jobs');
    const cId = (await server.api.workers()).find((w) => w.name.endsWith(`:${c.pid}`))!.id;
    c.proc.kill('SIGSTOP');
    const stopped = Date.now();
    // In flight at the fault: what the server had leased to C (C may still start a job whose frame it had not read).
    const faulted = new Set<string>();
    for (const id of ids) {
      const job = await server.api.job(id);
      if (job.status === 'active' && job.workerId === cId) faulted.add(id);
    }
    for (const id of inFlight(readLedger(ledger), c.pid)) expect(faulted.has(id)).toBe(true);
    // Heartbeat 1 s: silent for 2 s, then the check (every 0.5 s) drops it.
    expect(await freedAfter(faulted, stopped, 6000)).toBeLessThan(3000);
    c.proc.kill('SIGCONT');
    await waitFor(
      async () => (await server.api.queue('work')).succeeded >= 600 + ids.length,
      30_000,
      'every job to succeed',
    );
    await checkLedger(ids, ledger, faulted);
    // C came back: it reconnected and works again.
    await waitFor(async () => (await server.api.workers()).length === 2, 10_000, 'worker C to reconnect');
    for (const w of [c, d]) w.proc.kill('SIGTERM');
    expect(await c.exit).toBe(0);
    expect(await d.exit).toBe(0);
  }, 60_000);
});
