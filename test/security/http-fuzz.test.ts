/**
 * A property-based fuzz of the HTTP API (docs/reliability.md S14, S15, S20):
 * requests generated from docs/openapi.json — valid values from each
 * schema, mutated ones and junk for bodies, query strings, path ids and
 * headers — with a fixed seed and a bounded count. Every answer has a
 * status the document lists for that operation, never a 500; afterwards
 * the server is healthy, nothing is polluted and a canary job is intact.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from './helpers.js';
import { SECRET, request, startTestServer } from './helpers.js';

interface Schema {
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  anyOf?: Schema[];
  oneOf?: Schema[];
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  maxItems?: number;
}
interface Parameter {
  name: string;
  in: 'path' | 'query';
  schema: Schema;
}
interface Operation {
  parameters?: Parameter[];
  requestBody?: { content: Record<string, { schema: Schema }> };
  responses: Record<string, unknown>;
}

const doc = JSON.parse(readFileSync('docs/openapi.json', 'utf8')) as {
  paths: Record<string, Record<string, Operation>>;
};
const ops = Object.entries(doc.paths).flatMap(([path, methods]) =>
  Object.entries(methods).map(([method, op]) => ({ path, method: method.toUpperCase(), op })),
);

const junk = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.string({ maxLength: 30 }),
  fc.constantFrom(-1, 0, Infinity, 2 ** 53 + 2, '', null, [], {}, 'x'.repeat(300), '\u0000', '../x'),
);

/** An arbitrary value following a JSON schema (loosely: small arrays, short strings). */
function fromSchema(schema: Schema, depth = 0): fc.Arbitrary<unknown> {
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (schema.enum) return fc.constantFrom(...schema.enum);
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives) return fc.oneof(...alternatives.map((s) => fromSchema(s, depth)));
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'string':
      return fc.string({ minLength: schema.minLength ?? 0, maxLength: Math.min(schema.maxLength ?? 20, 20) });
    case 'integer':
      return fc.integer({
        min: Math.max(schema.minimum ?? -1000, -1_000_000),
        max: Math.min(schema.maximum ?? 1000, 1_000_000),
      });
    case 'number':
      return fc.double({ noNaN: true, noDefaultInfinity: true });
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array':
      return depth > 3
        ? fc.constant([])
        : fc.array(schema.items ? fromSchema(schema.items, depth + 1) : junk, { maxLength: 3 });
    case 'object': {
      if (depth > 3 || !schema.properties) return fc.dictionary(fc.string({ maxLength: 8 }), junk, { maxKeys: 3 });
      const shape: Record<string, fc.Arbitrary<unknown>> = {};
      for (const [key, s] of Object.entries(schema.properties)) shape[key] = fromSchema(s, depth + 1);
      return fc.record(shape, { requiredKeys: schema.required ?? [] });
    }
    default:
      return junk;
  }
}

/** `arb` in `tenths` out of 10 runs, else null. */
const sometimes = <T>(arb: fc.Arbitrary<T>, tenths: number): fc.Arbitrary<T | null> =>
  fc.oneof({ weight: 10 - tenths, arbitrary: fc.constant(null) }, { weight: tenths, arbitrary: arb });

/** A job body that should be accepted (exercises the 201 path). */
const goodJob = fc.record({
  task: fc.stringMatching(/^[a-z][a-z0-9-]{0,15}$/),
  args: fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 3 }),
});

/** Valid most of the time, junk some of the time. */
const either = (schema: Schema): fc.Arbitrary<unknown> =>
  fc.oneof({ weight: 4, arbitrary: fromSchema(schema) }, { weight: 1, arbitrary: junk });

let target: TestServer;
let canary: { id: string; view: unknown };
const pool: string[] = [];

beforeAll(async () => {
  target = await startTestServer({ secret: SECRET, limits: { authFailures: 1_000_000 } });
  const made = await request(target, 'POST', '/v1/jobs', {
    token: SECRET,
    body: { task: 'canary', args: [{ keep: 'me', n: 9007199254740991 }], options: { priority: 7, key: 'canary-key' } },
  });
  canary = {
    id: made.body.id as string,
    view: (await request(target, 'GET', `/v1/jobs/${made.body.id as string}`, { token: SECRET })).body,
  };
  for (let i = 0; i < 5; i++)
    pool.push(
      (await request(target, 'POST', '/v1/jobs', { token: SECRET, body: { task: 'pool', args: [i] } })).body
        .id as string,
    );
});

afterAll(async () => {
  await target.close();
});

const requestArb = fc.constantFrom(...ops).chain(({ path, method, op }) =>
  fc.record({
    path: fc.constant(path),
    method: fc.constant(method),
    op: fc.constant(op),
    id: fc.oneof(
      fc.constantFrom(...(pool.length ? pool : ['x'])),
      fc.string({ minLength: 1, maxLength: 40 }),
      fc.constantFrom('..', '%00', 'x'.repeat(300)),
    ),
    query: fc.record(
      Object.fromEntries(
        (op.parameters ?? [])
          .filter((p) => p.in === 'query')
          .map((p) => [p.name, p.name === 'timeout' ? fc.integer({ min: -5, max: 30 }) : either(p.schema)]),
      ) as Record<string, fc.Arbitrary<unknown>>,
      // A long-poll without `timeout` waits the default 30 s, past this test's 5 s per request.
      { requiredKeys: (op.parameters ?? []).some((p) => p.name === 'timeout') ? ['timeout'] : [] },
    ),
    extraQuery: sometimes(fc.tuple(fc.string({ maxLength: 10 }), fc.string({ maxLength: 10 })), 1),
    body: sometimes(
      op.requestBody ? fc.oneof(either(op.requestBody.content['application/json']!.schema), goodJob) : junk,
      7,
    ),
    rawBody: sometimes(
      fc.constantFrom(
        '{',
        '{"task":',
        '[]',
        'null',
        `${'['.repeat(5000)}`,
        '{"__proto__":{"x":1}}',
        '{"task":"t","args":[1e999]}',
      ),
      1,
    ),
    contentType: fc.constantFrom(
      'application/json',
      'application/json',
      'text/plain',
      'application/x-www-form-urlencoded',
      'application/json; charset=utf-8',
      'image/png',
    ),
    auth: fc.oneof(
      { weight: 8, arbitrary: fc.constant(`Bearer ${SECRET}`) },
      fc.constantFrom('Bearer wrong', undefined),
    ),
    header: sometimes(
      fc.tuple(
        fc.constantFrom('x-forwarded-for', 'origin', 'last-event-id', 'accept', 'x-junk'),
        fc.string({ maxLength: 20 }),
      ),
      3,
    ),
  }),
);

describe('HTTP API fuzz (fixed seed, bounded count)', () => {
  it('every answer has a documented status, never 500; the server stays healthy and the canary intact', async () => {
    const seen = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(requestArb, async (r) => {
        const id = encodeURIComponent(r.id);
        const params = new URLSearchParams();
        for (const [k, v] of Object.entries(r.query)) params.set(k, typeof v === 'string' ? v : JSON.stringify(v));
        if (r.extraQuery) params.set(r.extraQuery[0], r.extraQuery[1]);
        const qs = params.toString();
        const url = `${target.url}${r.path.replace('{id}', id).replace('{name}', id)}${qs ? `?${qs}` : ''}`;
        const headers: Record<string, string> = {};
        if (r.auth) headers.authorization = r.auth;
        if (r.header && /^[\x20-\x7e]*$/.test(r.header[1])) headers[r.header[0]] = r.header[1];
        let body: string | undefined;
        if (r.method !== 'GET' && (r.rawBody !== null || r.body !== null)) {
          body = r.rawBody ?? JSON.stringify(r.body);
          headers['content-type'] = r.contentType;
        }
        const res = await fetch(url, {
          method: r.method,
          headers,
          body: body ?? null,
          signal: AbortSignal.timeout(5000),
        });
        if ((res.headers.get('content-type') ?? '').startsWith('text/event-stream')) await res.body?.cancel();
        else await res.text();
        seen.set(res.status, (seen.get(res.status) ?? 0) + 1);
        expect(res.status, `${r.method} ${url} ${body ?? ''}`.slice(0, 300)).not.toBe(500);
        expect(Object.keys(r.op.responses), `${r.method} ${r.path} answered ${res.status}`).toContain(
          String(res.status),
        );
      }),
      { seed: 20261201, numRuns: 400, endOnFailure: true },
    );
    expect(seen.size).toBeGreaterThan(4);
    // Healthy, nothing polluted, the canary unchanged, no request logged as failed.
    expect((await request(target, 'GET', '/healthz')).status).toBe(200);
    expect(({} as Record<string, unknown>).x).toBeUndefined();
    expect((await request(target, 'GET', `/v1/jobs/${canary.id}`, { token: SECRET })).body).toEqual(canary.view);
    expect(target.lines().filter((l) => l.msg === 'request failed')).toEqual([]);
    expect(
      (await request(target, 'POST', '/v1/jobs', { token: SECRET, body: { task: 'after', args: [1] } })).status,
    ).toBe(201);
  });
});
