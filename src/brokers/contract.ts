/**
 * The broker contract's old address, kept so brokers and code written
 * against it still compile. Its home is `core/contract/` (core calls it;
 * brokers import core, never the other way round).
 */
export * from '../core/contract/index.js';
