export { Herd } from './herd.js';
export type { HerdHost } from './herd.js';
export type { WorkerOptions } from './options.js';
