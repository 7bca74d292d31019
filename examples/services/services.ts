/**
 * The routines seed as drover services: a microservice that stores images,
 * made of three long-running workers —
 *
 *   1. `api`      — a REST API that takes images from users,
 *   2. `resizer`  — compresses them for the thumbnails (gzip stands in for a real resize),
 *   3. `uploader` — ships them to storage (a local directory stands in for S3).
 *
 * All three live in this one module and run as one process or as three:
 *
 *   drover run examples/services/services.ts                   # one process
 *   drover run examples/services/services.ts --only api        # or three:
 *   drover run examples/services/services.ts --only resizer    #   the same module,
 *   drover run examples/services/services.ts --only uploader   #   a subset each
 *
 * (from a checkout: `npx tsx src/cli/main.ts run …`). They hand images on
 * through a spool directory, so the split needs no other change:
 * `$DATA_DIR/incoming/` → `resized/` → `uploaded/`, each step an atomic
 * rename. The API listens on 127.0.0.1:$PORT (0, any free port, by default):
 *
 *   curl --data-binary @cat.png http://127.0.0.1:$PORT/images/cat.png
 *   curl http://127.0.0.1:$PORT/images
 *
 * SIGINT/SIGTERM stops every service gracefully; a second one forces it.
 */
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { gzip } from 'node:zlib';
import { promisify } from 'node:util';
import type { ServiceContext, ServiceDefinition } from '../../src/chief/index.js';

const DATA_DIR = resolve(process.env.DATA_DIR ?? '.data/images');
const PORT = Number(process.env.PORT ?? 0);
const POLL_MS = Number(process.env.POLL_MS ?? 250);
const MAX_IMAGE_BYTES = 5 * 1024 * 1024;
const SPOOL = {
  incoming: join(DATA_DIR, 'incoming'),
  resized: join(DATA_DIR, 'resized'),
  uploaded: join(DATA_DIR, 'uploaded'),
};
const IMAGE_NAME = /^[\w-][\w.-]{0,99}$/;
const compress = promisify(gzip);

/** Creates the spool directories: every service's `init`. */
async function prepareSpool(): Promise<void> {
  for (const dir of Object.values(SPOOL)) await mkdir(dir, { recursive: true });
}

/** Resolves once the Chief asks the service to stop. */
function stopRequested(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}

/** Finished files in a spool directory (in-progress ones start with a dot). */
async function spooled(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((name) => !name.startsWith('.')).sort();
}

/** Calls `step` every POLL_MS until the stop. */
async function poll(signal: AbortSignal, step: () => Promise<void>): Promise<void> {
  while (!signal.aborted) {
    await step();
    await sleep(POLL_MS, undefined, { signal }).catch(() => {});
  }
}

/** Writes a file where readers never see it half-written. */
async function writeAtomically(dir: string, name: string, data: Uint8Array): Promise<void> {
  const partial = join(dir, `.${name}.partial`);
  await writeFile(partial, data);
  await rename(partial, join(dir, name));
}

async function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_IMAGE_BYTES) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

async function handle(req: IncomingMessage, res: ServerResponse, logger: ServiceContext['logger']): Promise<void> {
  const path = new URL(req.url ?? '/', 'http://localhost').pathname;
  if (req.method === 'GET' && path === '/healthz') return reply(res, 200, { ok: true });
  if (req.method === 'GET' && path === '/images') {
    const [incoming, resized, uploaded] = await Promise.all([
      spooled(SPOOL.incoming),
      spooled(SPOOL.resized),
      spooled(SPOOL.uploaded),
    ]);
    return reply(res, 200, { incoming, resized, uploaded });
  }
  const name = path.startsWith('/images/') ? decodeURIComponent(path.slice('/images/'.length)) : undefined;
  if (req.method === 'POST' && name !== undefined) {
    if (!IMAGE_NAME.test(name))
      return reply(res, 400, { error: { code: 'bad_name', message: 'letters, digits, _ - . only' } });
    const declared = Number(req.headers['content-length'] ?? 0);
    const body = declared > MAX_IMAGE_BYTES ? undefined : await readBody(req);
    if (body === undefined)
      return reply(res, 413, { error: { code: 'too_large', message: `at most ${MAX_IMAGE_BYTES} bytes` } });
    await writeAtomically(SPOOL.incoming, name, body);
    logger.info({ image: name, bytes: body.length }, 'image received');
    return reply(res, 202, { name, status: 'incoming' });
  }
  reply(res, 404, { error: { code: 'not_found', message: `${req.method ?? ''} ${path}` } });
}

/** 1. The REST API: takes images into `incoming/`. */
const api: ServiceDefinition = {
  init: prepareSpool,
  async run({ signal, logger }) {
    const server = createServer((req, res) => {
      handle(req, res, logger).catch((error: unknown) => {
        logger.error({ err: error }, 'request failed');
        if (!res.headersSent) reply(res, 500, { error: { code: 'internal', message: 'internal error' } });
      });
    });
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(PORT, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    logger.info({ url: `http://127.0.0.1:${port}` }, 'api listening');
    await stopRequested(signal);
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    logger.info('api closed');
  },
  restartOnFail: true,
};

/** 2. The resizer: compresses `incoming/` images into `resized/`. */
const resizer: ServiceDefinition = {
  init: prepareSpool,
  async run({ signal, logger }) {
    await poll(signal, async () => {
      for (const name of await spooled(SPOOL.incoming)) {
        const original = await readFile(join(SPOOL.incoming, name));
        const thumbnail = await compress(original);
        await writeAtomically(SPOOL.resized, `${name}.gz`, thumbnail);
        await rm(join(SPOOL.incoming, name));
        logger.info({ image: name, from: original.length, to: thumbnail.length }, 'image resized');
      }
    });
  },
  restartOnFail: true,
};

/** 3. The uploader: moves `resized/` images to storage (`uploaded/`). */
const uploader: ServiceDefinition = {
  init: prepareSpool,
  async run({ signal, logger }) {
    await poll(signal, async () => {
      for (const name of await spooled(SPOOL.resized)) {
        await rename(join(SPOOL.resized, name), join(SPOOL.uploaded, name));
        logger.info({ image: name }, 'image uploaded');
      }
    });
  },
  restartOnFail: true,
};

/** The module's services, for `drover run` (or `chief.add` each one yourself). */
export const services: Record<string, ServiceDefinition> = { api, resizer, uploader };
