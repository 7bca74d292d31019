/** What every benchmark shares: output, ratios, percentiles and the name filter. */

/** `BENCH_FILTER=<regexp>` picks measurements by name. */
export const filter = new RegExp(process.env.BENCH_FILTER ?? '.');

/** Wall-clock milliseconds with sub-millisecond precision, comparable across processes. */
export const now = (): number => performance.timeOrigin + performance.now();

export const sleep = (ms: number): Promise<void> => new Promise((done) => setTimeout(done, ms));

/** One measurement: one JSON line. */
export function print(line: Record<string, unknown>): void {
  console.log(JSON.stringify(line));
}

/** a / b to two decimals, or null when either is missing. */
export function ratio(a: number | undefined, b: number | undefined): number | null {
  return a === undefined || b === undefined || b === 0 ? null : +(a / b).toFixed(2);
}

/** The p-th percentile of an ascending array. */
export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}
