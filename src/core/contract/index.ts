/**
 * The broker contract (docs/architecture.md, "The broker contract"):
 * interfaces in `broker.ts`, the data they exchange in `jobs.ts`.
 */
export { BROKER_DEFAULTS, resolveCapabilities } from './broker.js';
export type {
  Broker,
  BrokerCapabilities,
  BrokerInspection,
  BrokerOptions,
  ResolvedBrokerCapabilities,
  WorkerBroker,
} from './broker.js';
export type {
  CancelResult,
  EnqueueRequest,
  EnqueueResult,
  JobPage,
  JobSnapshot,
  LeasedJob,
  LeaseRef,
  LeaseRequest,
  ListJobsQuery,
  NackOutcome,
  QueueCounts,
  ReportWatch,
  StoredJobOptions,
} from './jobs.js';
export type { QueueSettings, QueueSettingsPatch, QueueSettingsStore } from './queue-settings.js';
export { fireJobId } from './schedules.js';
export type {
  FireOutcome,
  FireRequest,
  ScheduleDefinition,
  SchedulePut,
  ScheduleRecord,
  ScheduleStore,
  ScheduleTiming,
} from './schedules.js';
export type { QueueControl, QueueLimits } from './queue-control.js';
export type { WorkerDirectory, WorkerPresence } from './worker-directory.js';
export { MAX_JOB_LOG_LINES, MAX_JOB_LOG_LINE_CHARS } from './job-logs.js';
export type { JobLogLine, JobLogStore } from './job-logs.js';
export { FLOW_QUEUE } from './flows.js';
export type {
  FlowEdge,
  FlowGraph,
  FlowInput,
  FlowLink,
  FlowOutcome,
  FlowStartRequest,
  FlowStep,
  FlowStepState,
  FlowStore,
  FlowTx,
  StoredFlow,
} from './flows.js';
