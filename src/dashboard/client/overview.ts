import { api } from './api.js';
import { queueActions, syncQueueActions } from './queue-actions.js';
import { SchedulesPanel } from './schedules-panel.js';
import { byId, cell, h, jobLink, patchRow, renderRows, setText } from './dom.js';
import { ago, brief, count, time } from './format.js';
import type { JobRow } from './job-store.js';
import { JobStore } from './job-store.js';
import { RateChart } from './rate-chart.js';
import type { Hello, JobView, QueueCounts, ReportSummary, WorkersView } from './types.js';

/** How the overview reports trouble to the page. */
export interface Notices {
  error(error: unknown): void;
  clear(): void;
}

/** Lists are redrawn at most this often, however fast reports come (ms). */
const RENDER_EVERY_MS = 300;

/**
 * The overview at `#/`: throughput, queues, workers and the herd, running
 * and recent jobs, dead letters. Fed by the server-wide event stream; the
 * job lists are loaded from the API once per connection that could not
 * resume (a `hello` with `resumed: false`).
 */
export class Overview {
  readonly #notices: Notices;
  readonly #jobs = new JobStore();
  readonly #chart = new RateChart(byId('rate-chart'), byId('rate-summary'));
  #workers: WorkersView = { workers: [], herd: null };
  #renderTimer: number | undefined;
  #loading = 0;
  readonly #schedules: SchedulesPanel;

  constructor(notices: Notices) {
    this.#notices = notices;
    this.#schedules = new SchedulesPanel(notices);
    byId<HTMLFormElement>('herd-form').addEventListener('submit', (e) => {
      e.preventDefault();
      void this.#resize();
    });
  }

  /** One event of `GET /v1/events`. */
  message(event: string, data: unknown): void {
    switch (event) {
      case 'hello': {
        const hello = data as Hello;
        this.#chart.reset(hello.throughput);
        this.#queues(hello.counts.queues, hello.counts.truncated);
        this.#setWorkers(hello.workers);
        if (!hello.resumed) {
          void this.#load();
          this.#schedules.start();
        }
        break;
      }
      case 'reports':
        for (const r of (data as { reports: ReportSummary[] }).reports) this.#jobs.apply(r);
        this.#schedule();
        break;
      case 'counts': {
        const counts = data as { queues: QueueCounts[]; truncated: boolean };
        this.#queues(counts.queues, counts.truncated);
        break;
      }
      case 'workers':
        this.#setWorkers(data as WorkersView);
        break;
      case 'herd':
        setText(byId('herd-size'), String((data as { num: number }).num));
        break;
      case 'rate': {
        const p = data as { at: number; succeeded: number; failed: number };
        this.#chart.add(p.at, p.succeeded, p.failed);
        this.#schedule(); // "since" columns move with time
        break;
      }
    }
  }

  async #load(): Promise<void> {
    const ticket = ++this.#loading;
    try {
      const [active, succeeded, failed, cancelled] = await Promise.all(
        ['active', 'succeeded', 'failed', 'cancelled'].map((status) =>
          api<{ jobs: JobView[] }>('GET', `/v1/jobs?status=${status}&limit=50`),
        ),
      );
      if (ticket !== this.#loading) return;
      this.#jobs.load(active!.jobs, [...succeeded!.jobs, ...failed!.jobs, ...cancelled!.jobs], failed!.jobs);
      this.#render();
    } catch (error) {
      this.#notices.error(error);
    }
  }

  /** After a queue action: its counts and state now, and the job lists (re-run or purged jobs). */
  #refreshCounts(): void {
    api<{ queues: QueueCounts[]; truncated: boolean }>('GET', '/v1/queues').then(
      (c) => this.#queues(c.queues, c.truncated),
      (error: unknown) => this.#notices.error(error),
    );
    void this.#load();
  }

  #schedule(): void {
    this.#renderTimer ??= window.setTimeout(() => this.#render(), RENDER_EVERY_MS);
  }

  #render(): void {
    clearTimeout(this.#renderTimer);
    this.#renderTimer = undefined;
    const now = Date.now();
    renderRows(
      byId<HTMLTableSectionElement>('running'),
      JobStore.newestFirst(this.#jobs.running),
      (j) => j.id,
      (j) => h('tr', {}, ...runningCells(j, now)),
      (row, j) => patchRow(row, runningCells(j, now)),
      'No job is running.',
      5,
    );
    renderRows(
      byId<HTMLTableSectionElement>('recent'),
      JobStore.newestFirst(this.#jobs.recent),
      (j) => j.id,
      (j) => h('tr', {}, ...recentCells(j)),
      (row, j) => patchRow(row, recentCells(j)),
      'No job yet.',
      5,
    );
    renderRows(
      byId<HTMLTableSectionElement>('dead'),
      JobStore.newestFirst(this.#jobs.dead),
      (j) => j.id,
      (j) => h('tr', {}, ...deadCells(j), h('td', { class: 'actions' }, this.#rerunButton(j))),
      (row, j) => patchRow(row, deadCells(j)), // the button cell (and its focus) stays
      'No dead letters.',
      6,
    );
  }

  #rerunButton(j: JobRow): HTMLButtonElement {
    const button = h('button', { type: 'button', 'aria-label': `Re-run job ${j.id}` }, 'Re-run');
    button.addEventListener('click', () => {
      button.disabled = true;
      api('POST', `/v1/jobs/${encodeURIComponent(j.id)}/retry`).then(
        () => {
          this.#notices.clear();
          this.#jobs.revived(j.id);
          this.#render();
        },
        (error: unknown) => {
          button.disabled = false;
          this.#notices.error(error);
        },
      );
    });
    return button;
  }

  #queues(queues: QueueCounts[], truncated: boolean): void {
    byId('queues-truncated').hidden = !truncated;
    renderRows(
      byId<HTMLTableSectionElement>('queues'),
      queues,
      (q) => q.queue,
      (q) =>
        h(
          'tr',
          {},
          ...queueCells(q),
          queueActions(q, this.#notices, () => this.#refreshCounts()),
        ),
      (row, q) => {
        patchRow(row, queueCells(q)); // the actions cell (and its focus) stays
        syncQueueActions(row, q);
      },
      'No queue has had jobs yet.',
      8,
    );
  }

  #setWorkers(view: WorkersView): void {
    this.#workers = view;
    const herd = view.herd;
    byId('herd-form').hidden = herd === null;
    byId('no-herd').hidden = herd !== null;
    setText(byId('herd-size'), herd ? String(herd.concurrency) : '–');
    const input = byId<HTMLInputElement>('herd-input');
    if (herd && document.activeElement !== input && input.value === '') input.placeholder = String(herd.concurrency);
    const rows = [
      ...(herd
        ? [
            {
              key: 'herd',
              name: `${herd.name} (in-server herd)`,
              tasks: herd.tasks,
              c: herd.concurrency,
              a: herd.active,
              since: 'in this process',
            },
          ]
        : []),
      ...view.workers.map((w) => ({
        key: `w:${w.id}`,
        name: `${w.name} (${w.id}, ${w.address})`,
        tasks: w.tasks,
        c: w.concurrency,
        a: w.active,
        since: ago(w.connectedAt),
      })),
    ];
    const cells = (w: (typeof rows)[number]) => [
      cell('Worker', w.name),
      cell('Tasks', w.tasks.join(', ')),
      numCell('Concurrency', w.c),
      numCell('Active', w.a),
      cell('Connected', w.since),
    ];
    renderRows(
      byId<HTMLTableSectionElement>('workers'),
      rows,
      (w) => w.key,
      (w) => h('tr', {}, ...cells(w)),
      (row, w) => patchRow(row, cells(w)),
      'No worker is connected and this server runs no herd.',
      5,
    );
  }

  async #resize(): Promise<void> {
    const input = byId<HTMLInputElement>('herd-input');
    const num = Number(input.value);
    if (input.value === '' || !Number.isInteger(num) || num < 0) {
      this.#notices.error(new Error('Herd size: enter a whole number, 0 or more.'));
      input.focus();
      return;
    }
    try {
      const res = await api<{ num: number }>('PATCH', '/herd', { num });
      this.#notices.clear();
      setText(byId('herd-size'), String(res.num));
      input.value = '';
      if (this.#workers.herd) input.placeholder = String(res.num);
    } catch (error) {
      this.#notices.error(error);
    }
  }
}

function numCell(label: string, n: number): HTMLTableCellElement {
  const td = cell(label, count(n));
  td.className = 'num';
  return td;
}

function queueCells(q: QueueCounts): HTMLTableCellElement[] {
  return [
    cell('Queue', q.queue),
    numCell('Waiting', q.waiting),
    numCell('Active', q.active),
    numCell('Delayed', q.delayed),
    numCell('Succeeded', q.succeeded),
    numCell('Failed', q.failed),
    cell('State', q.paused ? 'paused' : q.limited ? `${count(q.limited)} held by a limit` : ''),
  ];
}

function runningCells(j: JobRow, now: number): HTMLTableCellElement[] {
  return [
    cell('Job', jobLink(j.id)),
    cell('Task', j.task),
    numCell('Attempt', j.attempt),
    cell('Since', ago(j.startedAt ?? j.at, now)),
    cell('Progress', brief(j.progress)),
  ];
}

function recentCells(j: JobRow): HTMLTableCellElement[] {
  return [
    cell('Job', jobLink(j.id)),
    cell('Task', j.task),
    cell('Status', h('span', { class: `status status-${j.status}` }, j.status)),
    numCell('Attempt', j.attempt),
    cell('When', time(j.at)),
  ];
}

function deadCells(j: JobRow): HTMLTableCellElement[] {
  return [
    cell('Job', jobLink(j.id)),
    cell('Task', j.task),
    numCell('Attempts', j.attempt),
    cell('Error', h('span', { class: 'error' }, j.error ? `${j.error.name}: ${j.error.message}` : '')),
    cell('Failed', time(j.at)),
  ];
}
