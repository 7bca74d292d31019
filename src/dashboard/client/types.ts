/** The shapes the dashboard reads from the API (see docs/operations.md and docs/protocol.md). */

/** An error as the API shows it. */
export interface ErrorView {
  name: string;
  message: string;
  stack?: string;
  code?: string;
}

/** `GET /v1/jobs/:id`. */
export interface JobView {
  id: string;
  task: string;
  queue: string;
  args: unknown[];
  status: string;
  attempt: number;
  priority: number;
  key: string | null;
  options: { retries: number; timeout: number | null };
  progress: unknown;
  result: unknown;
  error: ErrorView | null;
  createdAt: number;
  runAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  workerId: string | null;
}

/** A report of `GET /v1/jobs/:id/events`. */
export interface ReportView {
  jobId: string;
  status: string;
  attempt: number;
  at: number;
  progress?: unknown;
  result?: unknown;
  error?: ErrorView;
}

/** A report summary of `GET /v1/events` (`reports` frames). */
export interface ReportSummary {
  jobId: string;
  task: string;
  queue: string;
  status: string;
  attempt: number;
  at: number;
  error?: { name: string; code?: string; message: string };
  progress?: unknown;
}

/** Per-queue counts. */
export interface QueueCounts {
  queue: string;
  waiting: number;
  active: number;
  delayed: number;
  succeeded: number;
  failed: number;
  /** On a broker with flow control: workers do not lease from it. */
  paused?: boolean;
  /** On a broker with flow control: waiting jobs a limit holds back. */
  limited?: number;
}

/** A connected remote worker. */
export interface WorkerView {
  id: string;
  name: string;
  tasks: string[];
  concurrency: number;
  active: number;
  lastSeen: number;
  connectedAt: number;
  address: string;
}

/** `GET /v1/workers` and `workers` frames. */
export interface WorkersView {
  workers: WorkerView[];
  herd: { name: string; tasks: string[]; concurrency: number; active: number } | null;
}

/** The throughput history of `hello`. */
export interface ThroughputHistory {
  start: number;
  interval: number;
  succeeded: number[];
  failed: number[];
}

/** The first frame of `GET /v1/events`. */
export interface Hello {
  epoch: string;
  resumed: boolean;
  at: number;
  throughput: ThroughputHistory;
  counts: { queues: QueueCounts[]; truncated: boolean };
  workers: WorkersView;
}

/** One line of `GET /v1/jobs/:id/logs`. */
export interface JobLogLineView {
  at: number;
  attempt: number;
  level: 'info' | 'warn' | 'error' | 'fatal';
  msg: string;
}

/** `GET /v1/jobs/:id/logs`. */
export interface JobLogsView {
  lines: JobLogLineView[];
  supported: boolean;
}

/** One schedule of `GET /v1/schedules`. */
export interface ScheduleView {
  name: string;
  cron?: string;
  every?: number;
  tz?: string;
  task: string;
  paused: boolean;
  nextAt: number | null;
  lastAt: number | null;
}
