/**
 * In-process drover servers for the security tests: a real server over a
 * real broker on a free port, with its log captured line by line so a test
 * can grep it (for the secret, for floods of lines).
 */
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { Drover } from '../../src/index.js';
import type { DroverServer, ServerOptions } from '../../src/server/index.js';
import { createServer } from '../../src/server/index.js';

/** A secret of the right length for tests. */
export const SECRET = 'security-tests-secret-0123456789abcdef-XYZ';

/** A running in-process server. */
export interface TestServer {
  app: Drover;
  server: DroverServer;
  url: string;
  port: number;
  /** Every log line so far. */
  log(): string;
  lines(): { msg: string; level: number; [key: string]: unknown }[];
  close(): Promise<void>;
}

/** Starts a server on a free loopback port over `memory:` (or `broker`). */
export async function startTestServer(
  options: Partial<Omit<ServerOptions, 'app'>> & { broker?: string; setup?: (app: Drover) => void } = {},
): Promise<TestServer> {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString('utf8');
      done();
    },
  });
  const logger = pino({ level: 'debug' }, stream);
  const { broker, setup, ...rest } = options;
  const app = new Drover({ broker: broker ?? 'memory:', logger });
  setup?.(app);
  const server = createServer({ app, port: 0, grace: 0, ...rest, logger });
  const address = await server.listen();
  return {
    app,
    server,
    url: address.url,
    port: address.port,
    log: () => text,
    lines: () =>
      text
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { msg: string; level: number }),
    close: () => server.close({ grace: 0 }),
  };
}

/** A JSON answer. */
export interface Answer {
  status: number;
  headers: Headers;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read bodies loosely
  body: any;
  text: string;
}

/** One HTTP request; a non-string `body` is sent as JSON. */
export async function request(
  target: { url: string },
  method: string,
  path: string,
  options: { body?: unknown; token?: string; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  let body: string | undefined;
  if (options.body !== undefined) {
    body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
    headers['content-type'] ??= 'application/json';
  }
  const res = await fetch(target.url + path, { method, headers, body: body ?? null });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: res.status, headers: res.headers, body: parsed, text };
}

/** Sends raw HTTP/1.1 (any Host header, no fetch rules) and returns the status and body. */
export async function rawRequest(port: number, head: string, body = ''): Promise<{ status: number; text: string }> {
  const { connect } = await import('node:net');
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(`${head}\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
    });
    let data = '';
    socket.setEncoding('utf8').on('data', (c: string) => (data += c));
    socket.on('error', reject);
    socket.on('close', () => resolve({ status: Number(/^HTTP\/1\.1 (\d+)/.exec(data)?.[1] ?? 0), text: data }));
  });
}
