/**
 * drover — a task queue and worker framework for Node.js.
 * The curated public API (docs/architecture.md); brokers are also subpath exports.
 */
import { registerBrokerScheme } from './core/broker-registry.js';
import { createMemoryBroker, parseMemoryUrl } from './brokers/memory/index.js';
import { setWorkerFactory } from './core/worker.js';
import { Herd } from './herd/herd.js';
import type { HerdHost } from './herd/herd.js';

registerBrokerScheme('memory', async (url) => createMemoryBroker(parseMemoryUrl(url)));
registerBrokerScheme('sqlite', async (url, context) => {
  const { createSqliteBroker, parseSqliteUrl } = await import('./brokers/sqlite/index.js');
  return createSqliteBroker({ ...parseSqliteUrl(url), codec: context.codec });
});
const amqp: Parameters<typeof registerBrokerScheme>[1] = async (url, context) => {
  const { createAmqpBroker, parseAmqpUrl } = await import('./brokers/amqp/index.js');
  return createAmqpBroker({ ...parseAmqpUrl(url), codec: context.codec });
};
registerBrokerScheme('amqp', amqp);
registerBrokerScheme('amqps', amqp);
const remote: Parameters<typeof registerBrokerScheme>[1] = async (url, context) => {
  const { createRemoteBroker } = await import('./brokers/remote/index.js');
  return createRemoteBroker(url, context);
};
registerBrokerScheme('ws', remote);
const redis: Parameters<typeof registerBrokerScheme>[1] = async (url, context) => {
  const { createRedisBroker, parseRedisUrl } = await import('./brokers/redis/index.js');
  return createRedisBroker({ ...parseRedisUrl(url), codec: context.codec });
};
registerBrokerScheme('redis', redis);
registerBrokerScheme('rediss', redis);
registerBrokerScheme('wss', remote);
// app.worker() makes herds; registered here so core never imports the herd.
setWorkerFactory((host: HerdHost, options) => new Herd(host, options));

export { Drover } from './core/app.js';
export type { DroverOptions, CloseOptions } from './core/app.js';
export { task, isTaskDefinition } from './core/task.js';
export type { TaskDefinition, TaskFn, TaskArgs, TaskResult } from './core/task.js';
export { TaskHandle } from './core/task-handle.js';
export { chain, group, chord, isFlow } from './core/flow/flow.js';
export type { Flow, FlowResult, Signature, ParamSuffix, SigInput } from './core/flow/flow.js';
export type { FlowSpec, SignatureSpec } from './core/flow/flow-spec.js';
export { QueueHandle } from './core/queue-handle.js';
export type { PurgeOptions } from './core/queue-handle.js';
export type { TaskOptions, TaskQueueSettings } from './core/task-settings.js';
export { Job } from './core/job.js';
export type { ResultOptions } from './core/job.js';
export type { JobOptions } from './core/options.js';
export type { BackoffOptions } from './core/backoff.js';
export { Retry, Fail, RateLimited } from './core/signals.js';
export type { RetryOptions } from './core/signals.js';
export { currentJob } from './core/current-job.js';
export type { JobContext } from './core/current-job.js';
export { JOB_STATUSES } from './core/report.js';
export type { Report, ReportStatus, JobStatus } from './core/report.js';
export type { DroverEvents, DroverEventName, JobEvent, WorkerEvent } from './core/events.js';
export { jsonCodec, msgpackCodec } from './core/codec.js';
export type { Codec, CodecName } from './core/codec.js';
export type { IdMaker } from './core/id.js';
export { registerBrokerScheme } from './core/broker-registry.js';
export type { BrokerFactory, BrokerContext } from './core/broker-registry.js';
export {
  DroverError,
  ErrorCodes,
  ConfigError,
  InvalidArgumentError,
  UnknownTaskError,
  JobFailedError,
  JobCancelledError,
  JobNotFoundError,
  TimeoutError,
  JobTimeoutError,
  StaleLeaseError,
  LeaseExpiredError,
  LeaseLostError,
  BrokerError,
  BrokerFullError,
  ClosedError,
  ProtocolError,
  AuthError,
  InvalidScheduleError,
  isDroverError,
} from './core/errors.js';
export type { ErrorCode, ErrorInfo } from './core/errors.js';
export { Chief, SERVICE_STATES, CHIEF_DEFAULTS } from './chief/index.js';
export type {
  ChiefOptions,
  RestartBackoffOptions,
  ChiefSummary,
  StopOptions,
  RunAllOptions,
  ServiceContext,
  ServiceDefinition,
  ServiceState,
  StateChange,
  ChiefEvents,
  ChiefEventName,
  ServiceCrash,
  ServiceAbandoned,
} from './chief/index.js';
export { Herd };
export type { WorkerOptions, Worker } from './core/worker.js';
export type { ScheduleInfo, SchedulerOptions } from './core/app-schedules.js';
export type { ScheduleSpec } from './core/schedule-definition.js';
export { DroverMetrics } from './metrics/metrics.js';
export type { MetricsOptions } from './metrics/metrics.js';
export type {
  Broker,
  BrokerCapabilities,
  BrokerOptions,
  EnqueueRequest,
  EnqueueResult,
  LeaseRef,
  LeasedJob,
  LeaseRequest,
  NackOutcome,
  JobSnapshot,
  CancelResult,
  QueueCounts,
  JobPage,
  ListJobsQuery,
  ReportWatch,
  StoredJobOptions,
  QueueSettings,
  QueueSettingsPatch,
  QueueControl,
  QueueLimits,
  JobLogLine,
  JobLogStore,
  WorkerDirectory,
  WorkerPresence,
  ScheduleStore,
  ScheduleDefinition,
  ScheduleRecord,
  SchedulePut,
  FireRequest,
  FireOutcome,
} from './brokers/contract.js';
export { MAX_JOB_LOG_LINES, MAX_JOB_LOG_LINE_CHARS } from './brokers/contract.js';
