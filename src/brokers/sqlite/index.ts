/**
 * The embedded durable broker: `sqlite:./drover.db` (subpath export
 * `drover/brokers/sqlite`). better-sqlite3 loads only when a broker connects.
 */
export { SqliteBroker, createSqliteBroker } from './sqlite-broker.js';
export { parseSqliteUrl } from './options.js';
export type { SqliteBrokerOptions } from './options.js';
export type { Contention } from './write-queue.js';
