/**
 * Starts the real `drover server` (dist/cli/main.js, built by the global
 * setup) as a child process on a free port and a temporary SQLite file, and
 * talks to it over HTTP. Every server started here is stopped by
 * `stopAll()`; a test file calls it in `afterAll`, so none is left behind.
 */
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../..');
export const CLI = join(ROOT, 'dist/cli/main.js');
export const TASKS = join(ROOT, 'test/fixtures/server-tasks.ts');

/** A secret of the right length for tests. */
export const SECRET = 'test-secret-0123456789abcdef0123456789abcdef';

export interface StartOptions {
  /** Extra CLI flags after `server`. */
  args?: string[];
  /** Extra environment. */
  env?: Record<string, string>;
  /** Run the fixture tasks with this herd size (omit for no herd). */
  concurrency?: number;
  /** The tasks module for the herd. @default the test fixture */
  tasks?: string;
  /** Reuse a database file (restarts). */
  db?: string;
  /** Bind this port (restarts); default: a free one. */
  port?: number;
  secret?: string;
}

/** A running server child process. */
export interface ServerProcess {
  child: ChildProcess;
  url: string;
  port: number;
  db: string;
  /** Everything it wrote to stderr (its JSON log). */
  log(): string;
  /** Resolves with the exit code (or signal name) once it exits. */
  exited: Promise<number | string>;
}

const running = new Set<ServerProcess>();
const dirs: string[] = [];

/** A fresh temporary directory, removed by {@link stopAll}. */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'drover-server-test-'));
  dirs.push(dir);
  return dir;
}

/** Starts a server and waits until it listens. */
export async function startServer(options: StartOptions = {}): Promise<ServerProcess> {
  const db = options.db ?? join(tempDir(), 'drover.db');
  const args = [CLI, 'server', '--store', `sqlite:${db}`, '--port', String(options.port ?? 0), '--log-level', 'info'];
  if (options.concurrency !== undefined)
    args.push('--tasks', options.tasks ?? TASKS, '--concurrency', String(options.concurrency));
  args.push(...(options.args ?? []));
  const env: Record<string, string> = { ...(process.env as Record<string, string>), ...options.env };
  delete env.DROVER_SECRET;
  if (options.secret !== undefined) env.DROVER_SECRET = options.secret;
  const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  child.stdout.resume();
  const exited = new Promise<number | string>((done) =>
    child.once('exit', (code, signal) => done(code ?? signal ?? -1)),
  );
  const url = await new Promise<string>((done, fail) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL'); // never leave a half-started server behind
      fail(new Error(`server did not start within 15 s:\n${stderr}`));
    }, 15_000);
    const onData = (): void => {
      const match = /"url":"(http:\/\/[^"]+)"/.exec(stderr);
      if (!match) return;
      clearTimeout(timer);
      child.stderr.off('data', onData);
      done(match[1]!);
    };
    child.stderr.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      fail(new Error(`server exited (${code}) before listening:\n${stderr}`));
    });
  });
  const server: ServerProcess = { child, url, port: Number(new URL(url).port), db, log: () => stderr, exited };
  running.add(server);
  void exited.then(() => running.delete(server));
  return server;
}

/** Sends SIGTERM and waits for the exit (SIGKILL after `ms`). */
export async function stopServer(server: ServerProcess, ms = 10_000): Promise<number | string> {
  if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGTERM');
  const timer = setTimeout(() => server.child.kill('SIGKILL'), ms);
  const code = await server.exited;
  clearTimeout(timer);
  return code;
}

/** Stops every server still running and removes the temporary directories. */
export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((s) => stopServer(s, 5_000)));
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** A JSON body read loosely by tests. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read bodies loosely
export type Loose = any;

/** An HTTP answer, body parsed as JSON when it is JSON. */
export interface Answer<T = Loose> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

/** Sends a request; `body` is JSON-encoded unless it is a string. */
export async function http<T = Loose>(
  server: { url: string },
  method: string,
  path: string,
  options: { body?: unknown; token?: string | null; headers?: Record<string, string> } = {},
): Promise<Answer<T>> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let body: string | undefined;
  if (options.body !== undefined) {
    body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
    headers['content-type'] ??= 'application/json';
  }
  const response = await fetch(server.url + path, { method, headers, body: body ?? null });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON (metrics, dashboard, events)
  }
  return { status: response.status, headers: response.headers, body: parsed as T, text };
}

/** Polls `check` until it returns a truthy value (or throws after `ms`). */
export async function eventually<T>(check: () => Promise<T | undefined | false>, ms = 10_000, every = 50): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > until) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((done) => setTimeout(done, every));
  }
}

/** The value of one metric line (`name` or `name{labels}`), or undefined. */
export function metric(text: string, name: string): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    if (line.slice(0, space) === name) return Number(line.slice(space + 1));
  }
  return undefined;
}

/** A unique tag for this test's data. */
export function uniq(prefix = 't'): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

/** What a CLI run printed and how it exited. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs `drover <args…>` (the built CLI) to completion. */
export function runCli(
  args: string[],
  options: { env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<CliRun> {
  const env: Record<string, string> = { ...(process.env as Record<string, string>), ...options.env };
  if (options.env?.DROVER_SECRET === undefined) delete env.DROVER_SECRET;
  const started = Date.now();
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(new Error(`drover ${args.join(' ')} did not finish within ${options.timeoutMs ?? 20_000} ms\n${stderr}`));
    }, options.timeoutMs ?? 20_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      done({ code: code ?? -1, stdout, stderr, ms: Date.now() - started });
    });
  });
}
