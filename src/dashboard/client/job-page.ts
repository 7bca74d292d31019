import { ApiError, api, authHeaders, errorOf } from './api.js';
import { byId, h, setText } from './dom.js';
import { readEvents } from './event-stream.js';
import { brief, dateTime, json, time } from './format.js';
import type { Notices } from './overview.js';
import type { JobLogLineView, JobLogsView, JobView, ReportView } from './types.js';

/**
 * The job page at `#/jobs/<id>`: task, queue, arguments, status, attempts,
 * result or error with its stack, progress, timestamps and every report in
 * order (live, from `GET /v1/jobs/:id/events`), with cancel and re-run.
 *
 * States: loading ──▶ shown (streaming its reports until the terminal one)
 * ──cancel / re-run──▶ loading;  any ──close()──▶ closed (stream aborted).
 */
export class JobPage {
  readonly #notices: Notices;
  #id: string | undefined;
  #abort: AbortController | undefined;

  constructor(notices: Notices) {
    this.#notices = notices;
    byId('job-cancel').addEventListener('click', () => void this.#act('DELETE', ''));
    byId('job-rerun').addEventListener('click', () => void this.#act('POST', '/retry'));
  }

  /** Shows job `id` (and follows its reports). */
  open(id: string): void {
    this.close();
    this.#id = id;
    setText(byId('job-id'), id);
    document.title = `Job ${id} · drover`;
    for (const el of ['job-facts', 'job-args', 'job-result', 'job-error', 'job-stack', 'job-reports', 'job-logs'])
      byId(el).replaceChildren();
    byId('job-result-box').hidden = byId('job-error-box').hidden = true;
    void this.#load(id);
  }

  /** Stops following the job. */
  close(): void {
    this.#abort?.abort();
    this.#abort = undefined;
    this.#id = undefined;
  }

  async #load(id: string): Promise<void> {
    try {
      const job = await api<JobView>('GET', `/v1/jobs/${encodeURIComponent(id)}`);
      if (this.#id !== id) return;
      this.#show(job);
      void this.#logs(id);
      void this.#follow(id);
    } catch (error) {
      if (this.#id === id) this.#notices.error(error);
    }
  }

  async #follow(id: string): Promise<void> {
    const abort = (this.#abort = new AbortController());
    const list = byId('job-reports');
    list.replaceChildren();
    const note = byId('job-reports-trimmed');
    note.hidden = true;
    delete note.dataset.count;
    try {
      const res = await fetch(`/v1/jobs/${encodeURIComponent(id)}/events`, {
        headers: authHeaders({ accept: 'text/event-stream' }),
        signal: abort.signal,
        cache: 'no-store',
      });
      if (!res.ok) throw await errorOf(res);
      let terminal = false;
      await readEvents(res, (m) => {
        const report = JSON.parse(m.data) as ReportView;
        list.appendChild(reportItem(report));
        if (list.children.length > MAX_REPORT_ITEMS) trimReports(list);
        if (report.status === 'succeeded' || report.status === 'failed' || report.status === 'cancelled')
          terminal = true;
        if (report.status === 'progress') setText(byId('fact-progress'), brief(report.progress, 200));
      });
      // The stream ends with the job: read the final state (result, error, times) and its last log lines.
      if (terminal && this.#id === id) {
        this.#show(await api<JobView>('GET', `/v1/jobs/${encodeURIComponent(id)}`));
        await this.#logs(id);
      }
    } catch (error) {
      if (abort.signal.aborted) return;
      this.#notices.error(
        error instanceof ApiError
          ? error
          : new Error("Lost the stream of this job's reports: reload the page to follow it."),
      );
    }
  }

  /** Lists the lines the job's handler logged (`GET /v1/jobs/:id/logs`). */
  async #logs(id: string): Promise<void> {
    const note = byId('job-logs-note');
    try {
      const logs = await api<JobLogsView>('GET', `/v1/jobs/${encodeURIComponent(id)}/logs`);
      if (this.#id !== id) return;
      byId('job-logs').replaceChildren(...logs.lines.map(logItem));
      note.hidden = logs.supported && logs.lines.length > 0;
      note.textContent = logs.supported
        ? 'Nothing logged with currentJob().log (info and above) yet.'
        : "This store keeps no log lines: a handler's currentJob().log lines go to the log of the process that ran it.";
    } catch (error) {
      if (this.#id === id) this.#notices.error(error);
    }
  }

  #show(job: JobView): void {
    const facts: [string, string, string?][] = [
      ['Task', job.task],
      ['Queue', job.queue],
      ['Status', job.status],
      ['Attempt', `${job.attempt} of ${job.options.retries + 1}`],
      ['Progress', brief(job.progress, 200), 'fact-progress'],
      ['Priority', String(job.priority)],
      ['Key', job.key ?? ''],
      ['Created', dateTime(job.createdAt)],
      ['Runs at', dateTime(job.runAt)],
      ['Started', dateTime(job.startedAt)],
      ['Finished', dateTime(job.finishedAt)],
      ['Worker', job.workerId ?? ''],
    ];
    byId('job-facts').replaceChildren(
      ...facts.flatMap(([term, value, id]) => [h('dt', {}, term), h('dd', id ? { id } : {}, value)]),
    );
    setText(byId('job-args'), json(job.args));
    const ok = job.status === 'succeeded';
    byId('job-result-box').hidden = !ok;
    if (ok) setText(byId('job-result'), json(job.result));
    byId('job-error-box').hidden = job.error === null;
    setText(byId('job-error'), job.error ? `${job.error.name}: ${job.error.message}` : '');
    setText(byId('job-stack'), job.error?.stack ?? '');
    byId<HTMLButtonElement>('job-cancel').disabled = !['queued', 'delayed', 'active'].includes(job.status);
    byId<HTMLButtonElement>('job-rerun').disabled = !['failed', 'cancelled'].includes(job.status);
  }

  async #act(method: 'DELETE' | 'POST', suffix: string): Promise<void> {
    const id = this.#id;
    if (id === undefined) return;
    try {
      await api(method, `/v1/jobs/${encodeURIComponent(id)}${suffix}`);
      this.#notices.clear();
      if (this.#id !== id) return;
      // The button just used may be disabled by the new state: keep the focus on the page, at its heading.
      byId('job-title').focus();
      this.open(id);
    } catch (error) {
      this.#notices.error(error);
    }
  }
}

/** Most reports the page lists; past it, the oldest progress reports give way (a chatty job cannot exhaust the page). */
const MAX_REPORT_ITEMS = 1000;

function trimReports(list: HTMLElement): void {
  const progress = list.querySelector('li[data-status="progress"]');
  (progress ?? list.firstElementChild)?.remove();
  const note = byId('job-reports-trimmed');
  note.dataset.count = String(Number(note.dataset.count ?? '0') + 1);
  note.textContent = `${note.dataset.count} earlier reports are not listed here.`;
  note.hidden = false;
}

function reportItem(r: ReportView): HTMLLIElement {
  const detail =
    r.status === 'progress'
      ? brief(r.progress, 200)
      : r.error
        ? `${r.error.name}: ${r.error.message}`
        : r.status === 'succeeded'
          ? `result ${brief(r.result, 200)}`
          : '';
  return h(
    'li',
    { 'data-status': r.status },
    h('time', { datetime: new Date(r.at).toISOString() }, time(r.at)),
    ' ',
    h('span', { class: `status status-${r.status}` }, r.status),
    ` attempt ${r.attempt}`,
    detail ? h('span', { class: r.error ? 'error' : 'muted' }, ` — ${detail}`) : null,
  );
}

function logItem(line: JobLogLineView): HTMLLIElement {
  return h(
    'li',
    { class: `log-${line.level}` },
    h('span', { class: 'muted' }, `${time(line.at)} · attempt ${line.attempt} · ${line.level} `),
    line.msg,
  );
}
