/**
 * The client side of a drover server's HTTP API, shared by the CLI and the
 * `ws://` broker (docs/architecture.md, "Layers").
 */
export { HttpClient } from './http-client.js';
export type { HttpAnswer, HttpClientOptions, HttpErrorMapping, RequestOptions } from './http-client.js';
export { HISTORY_END_COMMENT, readEventStream } from './event-stream.js';
export type { StreamItem } from './event-stream.js';
