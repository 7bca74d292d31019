import type { WorkerPresence } from '../../core/contract/index.js';
import type { Worker as Herd } from '../../core/worker.js';
import type { WorkerGateway, WorkerInfo } from '../gateway/index.js';

/** The server's own herd as `GET /v1/workers` and the event stream show it. */
export interface HerdView {
  name: string;
  tasks: string[];
  concurrency: number;
  active: number;
}

/** A remote worker, with the server process it is connected to. */
export interface RemoteWorkerView extends WorkerInfo {
  /** The announcing process (a `drover server`) in the worker directory. */
  instance: string;
}

/** A herd of another process on the same broker (a `drover worker` or another server's herd). */
export interface OtherHerdView extends HerdView {
  id: string;
  instance: string;
  lastSeen: number;
}

/** Connected remote workers (of every server sharing the broker), this server's herd, and the herds of other processes. */
export interface WorkersView {
  workers: RemoteWorkerView[];
  herd: HerdView | null;
  herds: OtherHerdView[];
}

/** Where this server's own workers come from. */
export interface LocalWorkers {
  /** This server's name in the worker directory. */
  instance: string;
  herd: Herd | undefined;
  gateway: WorkerGateway | undefined;
}

/**
 * The workers view of a server (the shape of `GET /v1/workers`): its own
 * workers now, and `others` — what other processes announced in the
 * broker's worker directory (empty without one).
 */
export function workersView(local: LocalWorkers, others: readonly WorkerPresence[] = []): WorkersView {
  const { herd, gateway, instance } = local;
  const workers: RemoteWorkerView[] = (gateway?.workers() ?? []).map((w) => ({ ...w, instance }));
  const herds: OtherHerdView[] = [];
  for (const w of others) {
    const base = { id: w.id, name: w.name, tasks: w.tasks, concurrency: w.concurrency, active: w.active };
    if (w.kind === 'herd') herds.push({ ...base, instance: w.instance, lastSeen: w.lastSeen });
    else
      workers.push({
        ...base,
        instance: w.instance,
        lastSeen: w.lastSeen,
        connectedAt: w.connectedAt,
        address: w.address ?? '',
      });
  }
  return {
    workers,
    herd: herd ? herdView(herd) : null,
    herds,
  };
}

/** This process's workers as directory entries: its remote workers and its herd. */
export function localPresence(local: LocalWorkers, herdStartedAt: number): WorkerPresence[] {
  const { herd, gateway, instance } = local;
  const out: WorkerPresence[] = (gateway?.workers() ?? []).map((w) => ({ ...w, kind: 'remote', instance }));
  if (herd) {
    const now = Date.now();
    out.push({
      ...herdView(herd),
      id: `${instance}/herd`,
      kind: 'herd',
      instance,
      lastSeen: now,
      connectedAt: herdStartedAt,
    });
  }
  return out;
}

function herdView(herd: Herd): HerdView {
  return { name: herd.name, tasks: [...herd.queues], concurrency: herd.concurrency, active: herd.active };
}
