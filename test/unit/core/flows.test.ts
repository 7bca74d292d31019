import { afterEach, describe, expect, expectTypeOf, it } from 'vitest';
import { Drover, Fail, JobFailedError, chain, chord, group, task } from '../../../src/index.js';
import type { Flow, FlowResult, Job, Signature } from '../../../src/index.js';
import { compileFlow } from '../../../src/core/flow/flow-graph.js';
import { parseFlowSpec } from '../../../src/core/flow/flow-spec.js';

const apps: Drover[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close({ grace: 0 })));
});

function rig() {
  const app = new Drover();
  apps.push(app);
  const add = app.task('add', (a: number, b: number) => a + b);
  const mul = app.task('mul', (a: number, b: number) => a * b);
  const sum = app.task('sum', (xs: number[]) => xs.reduce((a, b) => a + b, 0));
  const wrap = app.task('wrap', (x: unknown) => ({ x }));
  let failing = true;
  const flaky = app.task('flaky', (x: number) => {
    if (failing) throw new Fail('not yet');
    return x;
  });
  const heal = () => (failing = false);
  return { app, add, mul, sum, wrap, flaky, heal };
}

describe('app.call(flow)', () => {
  it('chain, group and chord: the examples of DESIGN §12', async () => {
    const { app, add, mul, sum } = rig();
    app.worker({ concurrency: 4 });
    expect(await (await app.call(chain(add.sig(2, 2), add.sig(4), mul.sig(10)))).result()).toBe(80);
    expect(await (await app.call(group(add.sig(1, 1), add.sig(2, 2)))).result()).toEqual([2, 4]);
    expect(await (await app.call(chord(group(add.sig(1, 1), add.sig(2, 2)), sum.sig()))).result()).toBe(6);
    expect(await (await app.call(chord([add.sig(1, 2), add.sig(3, 4)], sum.sig()))).result()).toBe(10);
  });

  it('nesting: a group in a chain, a chain in a group, a group in a group', async () => {
    const { app, add, mul, sum, wrap } = rig();
    app.worker({ concurrency: 4 });
    const nested = chain(add.sig(1, 1), group(add.sig(1), chain(mul.sig(3), add.sig(1))), sum.sig());
    expect(await (await app.call(nested)).result()).toBe(3 + 7);
    const deep = group(group(add.sig(1, 1), add.sig(2, 2)), chain(add.sig(0, 5), wrap.sig()));
    expect(await (await app.call(deep)).result()).toEqual([[2, 4], { x: 5 }]);
    const fanIn = chain(group(add.sig(1, 1), add.sig(2, 2)), group(wrap.sig(), sum.sig()));
    expect(await (await app.call(fanIn)).result()).toEqual([{ x: [2, 4] }, 6]);
  });

  it('steps are ordinary jobs with their flowId; the flow has its own reports', async () => {
    const { app, add } = rig();
    app.worker({ concurrency: 2 });
    const job = await app.call(chain(add.sig(1, 1), add.with({ priority: 7, retries: 9 }).sig(1)));
    expect(await job.result()).toBe(3);
    const reports: string[] = [];
    for await (const r of job.reports()) reports.push(r.status);
    expect(reports).toEqual(['queued', 'active', 'succeeded']);
    const second = await app.job(`${job.id}.1`).status();
    expect(second).toMatchObject({ task: 'add', args: [2, 1], flowId: job.id, priority: 7, status: 'succeeded' });
    expect(second.options.retries).toBe(9);
    expect(await job.status()).toMatchObject({ task: 'chain', queue: 'drover.flows', result: 3 });
  });

  it('a failing step fails the flow naming it; retry on the flow id re-runs it and continues', async () => {
    const { app, add, flaky, heal } = rig();
    app.worker({ concurrency: 2 });
    const job = await app.call(chain(add.sig(1, 1), flaky.sig(), add.sig(5)));
    const error = await job.result().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JobFailedError);
    expect((error as Error).message).toBe(`Job ${job.id} failed: step flaky (job ${job.id}.1) failed: not yet`);
    await expect(app.job(`${job.id}.2`).status()).rejects.toThrow(/not found/);
    heal();
    expect((await (await app.broker()).retry(job.id))?.status).toBe('active');
    expect(await job.result()).toBe(7);
  });

  it('cancelling the flow cancels its live steps', async () => {
    const { app, add } = rig();
    const job = await app.call(group(add.sig(1, 1), add.sig(2, 2)));
    expect(await job.cancel()).toBe(true);
    expect((await app.job(`${job.id}.0`).status()).status).toBe('cancelled');
    expect((await app.job(`${job.id}.1`).status()).status).toBe('cancelled');
    await expect(job.result()).rejects.toThrow(/cancelled/);
  });

  it('refuses bad flows at call time, naming what was wrong', async () => {
    const { app, add } = rig();
    expect(() => group()).toThrow(/`group` to be at least one signature/);
    expect(() => chain(add.sig(1, 1), 'x' as never)).toThrow(/`chain\[1\]` to be a signature/);
    expect(() => add.with({ key: 'k' }).sig(1, 1)).toThrow(/`key`/);
    const fn = () => 1;
    await expect(app.call(chain(add.sig(1, fn as never)))).rejects.toThrow(TypeError);
    await expect(app.call(task('nobody', () => 1).sig())).rejects.toThrow(/Unknown task "nobody"/);
  });
});

describe('compileFlow()', () => {
  it('routes every result to where it goes; only input-free steps start', () => {
    const t = task('t', (...xs: unknown[]) => xs);
    const start = compileFlow(
      'f',
      chord([t.sig(1), chain(t.sig(2), t.sig(3))], t.sig()),
      () => {},
      () => null,
    );
    expect(start.kind).toBe('chord');
    expect(start.first.map((r) => r.id)).toEqual(['f.0', 'f.1']);
    expect(start.graph.steps.map((s) => s.to)).toEqual([[[3, [0]]], [[2, []]], [[3, [1]]], [[-1, []]]]);
    expect(start.graph.steps[3]!.input).toEqual({ needs: 2, value: [null, null] });
  });
});

describe('parseFlowSpec()', () => {
  it('names the path of a mistake', () => {
    expect(() => parseFlowSpec({ chain: [{ task: 'a' }, { task: 3 }] }, 'body')).toThrow(/^body\.chain\[1\]\.task: /);
    expect(() => parseFlowSpec({ chord: { group: [] } }, 'body')).toThrow(/body\.chord\.group: expected a non-empty/);
    expect(() => parseFlowSpec({ group: [{ task: 'a', extra: 1 }] }, 'body')).toThrow(/body\.group\[0\]/);
    expect(() => parseFlowSpec([], 'body')).toThrow(/body: expected a step/);
    expect(parseFlowSpec({ chord: { group: [{ task: 'a', args: [1] }], callback: { task: 'b' } } }, 'b')).toEqual({
      chord: { group: [{ task: 'a', args: [1] }], callback: { task: 'b' } },
    });
  });
});

describe('flow types', () => {
  it('sig takes the last arguments; chain checks each step against the one before', () => {
    const add = task('add', (a: number, b: number) => a + b);
    const sum = task('sum', (xs: number[]) => xs.length);
    const show = task('show', (s: string, n: number) => `${s}${n}`);
    const app = new Drover();
    apps.push(app);
    const call = () => app.call(chain(add.sig(2, 2), add.sig(4)));
    expectTypeOf(call).returns.toEqualTypeOf<Promise<Job<number>>>();
    const both = group(add.sig(1, 1), show.sig('a', 1));
    const startable: Flow<[], [number, string]> = both;
    expect(startable).toBe(both);
    expectTypeOf<FlowResult<typeof both>>().toEqualTypeOf<[number, string]>();
    const summed = chord(group(add.sig(1, 1), add.sig(2, 2)), sum.sig());
    const summedFlow: Flow<[], number> = summed;
    expect(summedFlow.node.type).toBe('chord');
    expectTypeOf(add.sig(4)).toEqualTypeOf<Signature<[a: number], number>>();
    // @ts-expect-error a number is not the string `show` wants first
    chain(add.sig(1, 1), show.sig(2));
    // @ts-expect-error a step that needs the previous result cannot start a flow
    const startsWithInput = () => app.call(add.sig(4));
    expect(startsWithInput).toBeTypeOf('function');
    // @ts-expect-error too many arguments
    add.sig(1, 2, 3);
    // @ts-expect-error the callback gets an array
    chord(group(add.sig(1, 1)), add.sig(1));
  });
});
