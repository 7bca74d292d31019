import type { Agent } from 'node:http';
import { request } from 'node:http';
import { Redis } from 'ioredis';

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

/** The median of some figures (the middle one of three runs). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** The p-th percentile of an ascending array. */
export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** Options of {@link httpJson}. */
export interface HttpJsonOptions {
  port: number;
  method: string;
  path: string;
  body?: unknown;
  agent?: Agent;
  /** Sent as `Authorization: Bearer …`. */
  secret?: string;
}

/** One JSON request to a local drover server; rejects on any status ≥ 300 but 202. */
export async function httpJson(options: HttpJsonOptions): Promise<{ status: number; body: unknown }> {
  const { port, method, path, body, agent, secret } = options;
  const payload = body === undefined ? undefined : JSON.stringify(body);
  const headers: Record<string, string | number> = {};
  if (secret !== undefined) headers.authorization = `Bearer ${secret}`;
  if (payload !== undefined) {
    headers['content-type'] = 'application/json';
    headers['content-length'] = Buffer.byteLength(payload);
  }
  return new Promise((done, fail) => {
    const req = request({ host: '127.0.0.1', port, method, path, agent, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (c: string) => (text += c));
      res.on('end', () => {
        if ((res.statusCode ?? 0) >= 300 && res.statusCode !== 202)
          fail(new Error(`${method} ${path}: ${res.statusCode} ${text}`));
        else done({ status: res.statusCode ?? 0, body: text.length > 0 ? (JSON.parse(text) as unknown) : undefined });
      });
    });
    req.on('error', fail);
    req.end(payload);
  });
}

/** A Redis client as BullMQ wants it (no retry limit per request), connecting on first use. */
export function redisClient(url: string): Redis {
  return new Redis(url, { maxRetriesPerRequest: null, lazyConnect: true });
}

/** True if Redis answers at `url` (the BullMQ anchor is skipped otherwise). */
export async function redisReachable(url: string): Promise<boolean> {
  const connection = redisClient(url);
  try {
    await connection.connect();
    await connection.ping();
    return true;
  } catch {
    return false;
  } finally {
    connection.disconnect();
  }
}
