/**
 * The remote worker's side of the protocol: one connection to a drover
 * server that authenticates, heartbeats and reconnects with backoff. Used by
 * the `ws://` broker (`src/brokers/remote/`).
 */
export { RemoteConnection } from './remote-connection.js';
export type { RemoteConnectionEvents, RemoteConnectionOptions, RemoteConnectionState } from './remote-connection.js';
export { ReconnectBackoff } from './reconnect-backoff.js';
export type { ReconnectBackoffOptions } from './reconnect-backoff.js';
