import type { Worker as Herd } from '../../core/worker.js';
import type { WorkerGateway, WorkerInfo } from '../gateway/index.js';

/** The server's own herd as `GET /v1/workers` and the event stream show it. */
export interface HerdView {
  name: string;
  tasks: string[];
  concurrency: number;
  active: number;
}

/** Connected remote workers and the in-server herd. */
export interface WorkersView {
  workers: WorkerInfo[];
  herd: HerdView | null;
}

/** The workers view of a server (the shape of `GET /v1/workers`). */
export function workersView(herd: Herd | undefined, gateway: WorkerGateway | undefined): WorkersView {
  return {
    workers: gateway?.workers() ?? [],
    herd: herd
      ? { name: herd.name, tasks: [...herd.queues], concurrency: herd.concurrency, active: herd.active }
      : null,
  };
}
