import type { BrokerReport, ReportStatus } from '../../core/report.js';

/** Longest error message a summary carries (the job page shows the whole error). */
const MAX_MESSAGE = 300;
/** Longest JSON of a progress value a summary carries. */
const MAX_PROGRESS_JSON = 256;
/** Longest name (error name or code) a summary carries. */
const MAX_NAME = 100;

/**
 * A report as the server-wide event stream carries it: what a list of jobs
 * shows, of bounded size. Results, stacks and arguments stay out (they can
 * be large and are read from `GET /v1/jobs/:id` when a job is opened).
 */
export interface ReportSummary {
  jobId: string;
  task: string;
  queue: string;
  status: ReportStatus;
  attempt: number;
  at: number;
  /** On `failed` and `retrying`: the error's name, code and message (shortened). */
  error?: { name: string; code?: string; message: string };
  /** On `progress`, when its JSON is small. */
  progress?: unknown;
}

/** The bounded summary of a report. */
export function summarizeReport(report: BrokerReport): ReportSummary {
  const summary: ReportSummary = {
    jobId: report.jobId,
    task: report.task,
    queue: report.queue,
    status: report.status,
    attempt: report.attempt,
    at: report.at,
  };
  if (report.error) {
    const error: NonNullable<ReportSummary['error']> = {
      name: cut(String(report.error.name), MAX_NAME),
      message: cut(String(report.error.message), MAX_MESSAGE),
    };
    if (typeof report.error.code === 'string') error.code = cut(report.error.code, MAX_NAME);
    summary.error = error;
  }
  if (report.status === 'progress' && report.progress !== undefined) {
    const json = safeJson(report.progress);
    if (json !== undefined && json.length <= MAX_PROGRESS_JSON) summary.progress = report.progress;
  }
  return summary;
}

function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function safeJson(value: unknown): string | undefined {
  try {
    return JSON.stringify(value);
  } catch {
    return undefined;
  }
}
