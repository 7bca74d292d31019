import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { setText } from './dom.js';
import type { ThroughputHistory } from './types.js';

/** Seconds of history the chart shows. */
const WINDOW_S = 300;
const HEIGHT = 180;

/**
 * Jobs per second, succeeded and failed, over the last five minutes (uPlot
 * on a canvas). The canvas is an image to assistive technology: its
 * container carries a text summary as `aria-label`, and the same numbers are
 * printed under it.
 */
export class RateChart {
  readonly #box: HTMLElement;
  readonly #summary: HTMLElement;
  readonly #xs: number[] = [];
  readonly #ok: number[] = [];
  readonly #failed: number[] = [];
  #plot: uPlot | undefined;

  constructor(box: HTMLElement, summary: HTMLElement) {
    this.#box = box;
    this.#summary = summary;
    new ResizeObserver(() => this.#plot?.setSize({ width: this.#width(), height: HEIGHT })).observe(box);
  }

  /** Replaces the data with a history from the server. */
  reset(history: ThroughputHistory): void {
    this.#xs.length = this.#ok.length = this.#failed.length = 0;
    history.succeeded.forEach((n, i) => this.#push(history.start + i * history.interval, n, history.failed[i] ?? 0));
    this.#draw();
  }

  /** Adds one finished second. */
  add(at: number, succeeded: number, failed: number): void {
    const last = this.#xs[this.#xs.length - 1];
    if (last !== undefined && at / 1000 <= last) return;
    this.#push(at, succeeded, failed);
    this.#draw();
  }

  #push(at: number, succeeded: number, failed: number): void {
    this.#xs.push(at / 1000);
    this.#ok.push(succeeded);
    this.#failed.push(failed);
    const extra = this.#xs.length - WINDOW_S;
    if (extra > 0) {
      this.#xs.splice(0, extra);
      this.#ok.splice(0, extra);
      this.#failed.splice(0, extra);
    }
  }

  #draw(): void {
    const data: uPlot.AlignedData = [this.#xs, this.#ok, this.#failed];
    if (this.#plot) this.#plot.setData(data);
    else this.#plot = new uPlot(this.#options(), data, this.#box);
    const n = this.#xs.length;
    const sum = (a: number[]) => a.reduce((s, x) => s + x, 0);
    const text =
      n === 0
        ? 'No data yet.'
        : `Last second: ${this.#ok[n - 1]} succeeded, ${this.#failed[n - 1]} failed. ` +
          `Last ${Math.round(n / 60)} minutes: ${sum(this.#ok)} succeeded, ${sum(this.#failed)} failed.`;
    setText(this.#summary, text);
    this.#box.setAttribute('aria-label', `Chart of jobs per second. ${text}`);
  }

  #width(): number {
    return Math.max(200, this.#box.clientWidth);
  }

  #options(): uPlot.Options {
    return {
      width: this.#width(),
      height: HEIGHT,
      legend: { show: false },
      cursor: { show: false },
      scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(1, max)] } },
      axes: [{ stroke: '#4b5563' }, { stroke: '#4b5563', size: 44 }],
      series: [
        {},
        { label: 'succeeded per second', stroke: '#15803d', width: 2, fill: 'rgba(21,128,61,0.08)' },
        { label: 'failed per second', stroke: '#b42318', width: 2 },
      ],
    };
  }
}
