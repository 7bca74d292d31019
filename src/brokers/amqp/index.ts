/**
 * The RabbitMQ broker: `amqp://user:pass@host:5672/vhost?prefix=app1&backend=sqlite:./drover.db`
 * (subpath export `drover/brokers/amqp`). RabbitMQ carries the work; a result
 * backend keeps job state. amqplib and the backend's driver load only on connect.
 */
export { AmqpBroker, createAmqpBroker } from './amqp-broker.js';
export { parseAmqpUrl } from './options.js';
export type { AmqpBrokerOptions } from './options.js';
export { amqpPriority } from './topology.js';
