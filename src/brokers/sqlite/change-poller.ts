import type { Engine } from './engine.js';

/**
 * Finds changes committed by other processes (every `pollInterval`, timer
 * unref'd): `PRAGMA data_version` moves only when another connection
 * commits, so an idle poll costs one pragma. On a change it wakes `onReady`
 * listeners (another process may have enqueued) and catches watchers up.
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
    } catch {
      // busy or closing: try again next time
    }
  }, engine.options.pollInterval).unref();
  return () => clearInterval(timer);
}
