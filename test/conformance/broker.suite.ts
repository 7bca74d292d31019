/**
 * The broker conformance suite's old address, kept for the broker tests
 * written against it. It lives in `src/testing/` and ships as `drover/testing`.
 */
export { runBrokerConformance } from '../../src/testing/index.js';
export type { BrokerConformanceOptions, ConformanceBrokerOptions, ConformanceSkip } from '../../src/testing/index.js';
