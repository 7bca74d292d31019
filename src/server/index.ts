/**
 * `drover/server`: the drover server (HTTP API, `/metrics`, `/herd`,
 * dashboard, remote-worker WebSocket) as a library.
 */
export { createServer, DroverServer } from './drover-server.js';
export type { RouteInfo, ServerAddress, ServerCloseOptions } from './drover-server.js';
export type { ServerOptions, ResolvedServerOptions } from './server-options.js';
export type { ServerLimits } from './limits.js';
export { DEFAULT_LIMITS } from './limits.js';
export type { RouteAccess } from './auth.js';
export { MIN_SECRET_BYTES } from './auth.js';
export { HttpError, HttpErrorCodes } from './http-error.js';
export type { ErrorBody, HttpErrorCode } from './http-error.js';
export type { JobView, EnqueuedView } from '../protocol/job-view.js';
export { isLoopbackHost } from './loopback.js';
