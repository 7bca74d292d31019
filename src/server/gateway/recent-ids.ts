/**
 * A bounded set of job ids a worker held recently, so a late `done` for one
 * of them is answered `stale_lease` (its lease moved on) rather than
 * `unknown_job` (never this worker's). Oldest ids are forgotten first.
 */
export class RecentIds {
  readonly #max: number;
  readonly #ids = new Set<string>();

  constructor(max = 1024) {
    this.#max = max;
  }

  add(id: string): void {
    this.#ids.delete(id);
    this.#ids.add(id);
    if (this.#ids.size > this.#max) {
      const oldest = this.#ids.values().next().value;
      if (oldest !== undefined) this.#ids.delete(oldest);
    }
  }

  has(id: string): boolean {
    return this.#ids.has(id);
  }
}
