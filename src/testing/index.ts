/**
 * `drover/testing`: the broker conformance suite, for anyone who writes a
 * broker (docs/brokers.md, "Write your own broker"). It registers vitest
 * tests, so it needs `vitest` installed in the project that runs it.
 *
 * @example
 * import { runBrokerConformance } from 'drover/testing';
 * runBrokerConformance({ name: 'mine', create: (o) => createMyBroker(o) });
 */
export { runBrokerConformance } from './broker-conformance.js';
export type { BrokerConformanceOptions, ConformanceBrokerOptions, ConformanceSkip } from './broker-conformance.js';
export { NEED_REASONS } from './suite/helpers.js';
export type { Need } from './suite/helpers.js';
