import { api } from './api.js';
import { h, setPaused } from './dom.js';
import type { Notices } from './overview.js';
import type { QueueCounts } from './types.js';

/**
 * The actions cell of a queue's row: pause or resume it (workers stop or
 * start leasing from it), re-run its failed jobs, purge its finished ones.
 * Each button names its queue for screen readers. `refresh` is called after
 * an action so the table shows its effect without waiting for the next tick.
 */
export function queueActions(q: QueueCounts, notices: Notices, refresh: () => void): HTMLTableCellElement {
  const base = `/v1/queues/${encodeURIComponent(q.queue)}`;
  const act = (button: HTMLButtonElement, path: string, body?: unknown): void => {
    button.addEventListener('click', () => {
      button.disabled = true;
      api('POST', `${base}/${path}`, body).then(
        () => {
          notices.clear();
          button.disabled = false;
          refresh();
        },
        (error: unknown) => {
          button.disabled = false;
          notices.error(error);
        },
      );
    });
  };
  const toggle = h('button', { type: 'button', class: 'queue-toggle' });
  toggle.addEventListener('click', () => {
    const paused = toggle.dataset.paused === 'true';
    toggle.disabled = true;
    api('POST', `${base}/${paused ? 'resume' : 'pause'}`, {}).then(
      () => {
        notices.clear();
        toggle.disabled = false;
        setPaused(toggle, `queue ${q.queue}`, !paused);
        refresh();
      },
      (error: unknown) => {
        toggle.disabled = false;
        notices.error(error);
      },
    );
  });
  setPaused(toggle, `queue ${q.queue}`, q.paused === true);
  const rerun = h(
    'button',
    { type: 'button', 'aria-label': `Re-run the failed jobs of queue ${q.queue}` },
    'Re-run failed',
  );
  act(rerun, 'retry-failed', {});
  const purge = h('button', { type: 'button', 'aria-label': `Purge the finished jobs of queue ${q.queue}` }, 'Purge');
  act(purge, 'purge', {});
  return h('td', { class: 'actions', 'data-label': 'Actions' }, toggle, rerun, purge);
}

/** Keeps a row's pause/resume button in step with the queue's state. */
export function syncQueueActions(row: HTMLTableRowElement, q: QueueCounts): void {
  const toggle = row.querySelector<HTMLButtonElement>('button.queue-toggle');
  if (toggle && !toggle.disabled) setPaused(toggle, `queue ${q.queue}`, q.paused === true);
}
