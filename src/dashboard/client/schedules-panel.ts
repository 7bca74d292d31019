import { api } from './api.js';
import { byId, cell, h, patchRow, renderRows, setPaused } from './dom.js';
import { dateTime } from './format.js';
import type { Notices } from './overview.js';
import type { ScheduleView } from './types.js';

/** The schedules are re-read this often while the page is open (ms): one small request, not a stream. */
const REFRESH_MS = 5000;

/**
 * The schedules panel (`GET /v1/schedules`): each schedule's timing, task,
 * next and last fire, and a pause / resume button. Hidden when the store
 * keeps no schedules (the route answers 501 or 404).
 */
export class SchedulesPanel {
  readonly #notices: Notices;
  #timer: number | undefined;

  constructor(notices: Notices) {
    this.#notices = notices;
  }

  /** Reads the schedules now and every {@link REFRESH_MS}. */
  start(): void {
    window.clearInterval(this.#timer);
    this.#timer = window.setInterval(() => void this.refresh(), REFRESH_MS);
    void this.refresh();
  }

  /** Reads and shows the schedules. */
  async refresh(): Promise<void> {
    let schedules: ScheduleView[];
    try {
      schedules = (await api<{ schedules: ScheduleView[] }>('GET', '/v1/schedules')).schedules;
    } catch {
      byId('schedules-panel').hidden = true;
      return;
    }
    byId('schedules-panel').hidden = false;
    renderRows(
      byId<HTMLTableSectionElement>('schedules'),
      schedules,
      (s) => s.name,
      (s) => h('tr', {}, ...scheduleCells(s), h('td', { class: 'actions' }, this.#toggle(s))),
      (row, s) => {
        patchRow(row, scheduleCells(s));
        const button = row.querySelector<HTMLButtonElement>('button');
        if (button && !button.disabled) setPaused(button, `schedule ${s.name}`, s.paused);
      },
      'No schedule.',
      6,
    );
  }

  #toggle(s: ScheduleView): HTMLButtonElement {
    const button = h('button', { type: 'button' });
    setPaused(button, `schedule ${s.name}`, s.paused);
    button.addEventListener('click', () => {
      const paused = button.dataset.paused === 'true';
      button.disabled = true;
      api('POST', `/v1/schedules/${encodeURIComponent(s.name)}/${paused ? 'resume' : 'pause'}`, {}).then(
        () => {
          this.#notices.clear();
          button.disabled = false;
          setPaused(button, `schedule ${s.name}`, !paused);
          void this.refresh();
        },
        (error: unknown) => {
          button.disabled = false;
          this.#notices.error(error);
        },
      );
    });
    return button;
  }
}

function scheduleCells(s: ScheduleView): HTMLTableCellElement[] {
  const when = s.cron !== undefined ? `cron ${s.cron}${s.tz ? ` (${s.tz})` : ''}` : `every ${s.every ?? '?'} ms`;
  return [
    cell('Schedule', s.name),
    cell('When', when),
    cell('Task', s.task),
    cell('Next', s.paused ? 'paused' : dateTime(s.nextAt)),
    cell('Last', dateTime(s.lastAt)),
  ];
}
