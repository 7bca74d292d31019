import type { Engine } from './engine.js';

/**
 * Finds changes committed by other processes (every `pollInterval`, timer
 * unref'd): `PRAGMA data_version` moves only when another connection
 * commits, so an idle poll costs one pragma. On a change it wakes `onReady`
 * listeners (another process may have enqueued), catches watchers up, and
 * tells `onCancel` listeners about held jobs another process cancelled.
 * Returns a function that stops it.
 */
export function startChangePoller(engine: Engine): () => void {
  let version = engine.s.dataVersion.get()!;
  const timer = setInterval(() => {
    if (!engine.db.open) return;
    try {
      const current = engine.s.dataVersion.get()!;
      if (current === version) return;
      version = current;
      engine.signals.ready();
      engine.reports.poll();
      checkHeld(engine);
    } catch {
      // busy or closing: try again next time
    }
  }, engine.options.pollInterval).unref();
  return () => clearInterval(timer);
}

/** Forgets held leases that moved on elsewhere; signals those that were cancelled. */
function checkHeld(engine: Engine): void {
  if (engine.held.size === 0) return;
  const ids = [...engine.held.keys()];
  for (let i = 0; i < ids.length; i += 500) {
    const chunk = ids.slice(i, i + 500);
    const rows = engine.s.leaseStates.all(JSON.stringify(chunk)) as {
      id: string;
      status: string;
      token: string | null;
    }[];
    const states = new Map(rows.map((row) => [row.id, row]));
    for (const id of chunk) {
      const row = states.get(id);
      const token = engine.held.get(id);
      if (row && row.status === 'active' && row.token === token) continue;
      engine.held.delete(id);
      if (row?.status === 'cancelled') engine.signals.cancelled(id);
    }
  }
}
