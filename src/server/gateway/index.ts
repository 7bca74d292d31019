/**
 * The server's gateway for remote workers (`/v1/workers/ws`). The HTTP
 * server routes upgrades here and lists `workers()` at `GET /v1/workers`.
 */
export { createWorkerGateway } from './worker-gateway.js';
export type { WorkerGateway, WorkerInfo, GatewayCloseOptions } from './worker-gateway.js';
export type { WorkerGatewayOptions } from './gateway-options.js';
