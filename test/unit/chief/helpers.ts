import { afterEach, expect } from 'vitest';
import { Chief } from '../../../src/chief/index.js';
import type { ChiefOptions, ServiceContext, ServiceDefinition, StateChange } from '../../../src/chief/index.js';
import { canTransition } from '../../../src/chief/service-state.js';

const open = new Set<Chief>();
const illegal: string[] = [];

/** A Chief with fast restarts, force-stopped after the test (the leak guard). */
export function makeChief(options: ChiefOptions = {}): Chief {
  const chief = new Chief({
    restartBackoff: { initial: 10, max: 100 },
    crashWindow: 5_000,
    forceStopTimeout: 2_000,
    ...options,
  });
  open.add(chief);
  return chief;
}

afterEach(async () => {
  await Promise.all([...open].map((chief) => chief.stop({ force: true })));
  open.clear();
  // A listener's throw would be swallowed by the Chief, so illegal moves are checked here.
  const found = illegal.splice(0);
  expect(found, 'moves missing from STATE_TRANSITIONS').toEqual([]);
});

/** Resolves after `ms`. */
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it is true or `ms` pass. */
export async function until(check: () => boolean, ms = 5_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await sleep(2);
  }
}

/** Resolves once `signal` aborts. */
export function aborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}

/** A service that runs until its signal aborts. */
export function polite(onRun: (ctx: ServiceContext) => void = () => {}): ServiceDefinition {
  return {
    async run(ctx) {
      onRun(ctx);
      await aborted(ctx.signal);
    },
  };
}

/** A service that never returns, whatever its signal says. */
export function stubborn(): ServiceDefinition {
  return { run: () => new Promise<never>(() => {}) };
}

/**
 * Records every `state` event, checking each move against STATE_TRANSITIONS,
 * and gives the path one service took: `['present', 'enabled', …]`.
 */
export function recordStates(chief: Chief): { moves: StateChange[]; path(name: string): string[] } {
  const moves: StateChange[] = [];
  chief.on('state', (change) => {
    if (!canTransition(change.from, change.to)) illegal.push(`${change.name}: ${change.from} → ${change.to}`);
    moves.push(change);
  });
  return {
    moves,
    path(name) {
      const own = moves.filter((m) => m.name === name);
      return own.length === 0 ? [] : [own[0]!.from, ...own.map((m) => m.to)];
    },
  };
}
