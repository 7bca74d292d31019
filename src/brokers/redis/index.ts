/**
 * The Redis broker: `redis://host:6379/0?prefix=app1` (subpath export
 * `drover/brokers/redis`). ioredis loads only when a broker connects.
 */
export { RedisBroker, createRedisBroker } from './redis-broker.js';
export { parseRedisUrl } from './options.js';
export type { RedisBrokerOptions, RedisEndpoint } from './options.js';
