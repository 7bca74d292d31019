/**
 * The Chief: a supervisor of named long-running services (docs/architecture.md, "Chief").
 * @module
 */
export { Chief } from './chief.js';
export type { ChiefSummary, StopOptions, RunAllOptions } from './chief.js';
export type { ChiefOptions, RestartBackoffOptions } from './options.js';
export { CHIEF_DEFAULTS } from './options.js';
export type { ServiceContext, ServiceDefinition } from './service.js';
export { SERVICE_STATES } from './service-state.js';
export type { ServiceState, StateChange } from './service-state.js';
export type { ChiefEvents, ChiefEventName, ServiceCrash, ServiceAbandoned } from './chief-events.js';
export { SERVICE_FAILURES_METRIC } from './service-failure-counter.js';
