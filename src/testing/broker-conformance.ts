/**
 * The broker conformance suite (dingo's BrokerTestSuite, hono's
 * `common.case.test.ts`): every broker's test file is a few lines.
 *
 * @example
 * runBrokerConformance({ name: 'memory', create: (o) => createMemoryBroker(o) });
 *
 * Each test opens a fresh broker through `create`, uses queue names of its
 * own (`q-<uuid>`), so brokers on shared servers are touched only inside the
 * test's namespace, and closes every broker it opened (the leak guard).
 */
import { afterAll, afterEach, describe, it } from 'vitest';
import type { Broker } from '../core/contract/index.js';
import { enqueueAndLeaseTests } from './suite/enqueue-lease.js';
import type { ConformanceBrokerOptions, Need, SuiteContext } from './suite/helpers.js';
import { LONG_TTL, NEED_REASONS, SWEEP_MS, awaitingOutcomes, hasNeed } from './suite/helpers.js';
import { resolveCapabilities } from '../core/contract/index.js';
import { inspectionTests } from './suite/inspection.js';
import { leaseTests } from './suite/leases.js';
import { outcomeTests } from './suite/outcomes.js';
import { queueSettingsTests } from './suite/queue-settings.js';
import { scheduleTests } from './suite/schedules.js';
import { flowControlTests } from './suite/flow-control.js';
import { queueOpsTests } from './suite/queue-ops.js';
import { workerDirectoryTests } from './suite/worker-directory.js';
import { jobLogTests } from './suite/job-logs.js';
import { flowTests } from './suite/flows.js';

export type { ConformanceBrokerOptions } from './suite/helpers.js';

/** Tests a broker cannot pass, and why. A skip without a reason is refused. */
export interface ConformanceSkip {
  /** Why these tests do not apply (shown in the test title). */
  reason: string;
  /** Exact test titles, e.g. `'.lease() - FIFO within a priority, one by one and in batches'`. */
  tests: readonly string[];
}

/** Options of {@link runBrokerConformance}. */
export interface BrokerConformanceOptions {
  /** The broker's name, shown in the describe block. */
  name: string;
  /**
   * Makes a fresh broker. The suite calls `connect()` and `close()`; the
   * options carry short timings the broker must honour.
   */
  create: (options: ConformanceBrokerOptions) => Broker | Promise<Broker>;
  /** Tests to skip, each group with its reason. */
  skip?: readonly ConformanceSkip[];
}

/** Registers the whole conformance suite for one broker. */
export function runBrokerConformance(options: BrokerConformanceOptions): void {
  const skipped = new Map<string, string>();
  for (const entry of options.skip ?? []) {
    if (typeof entry.reason !== 'string' || entry.reason.trim() === '') {
      throw new TypeError(
        `runBrokerConformance(${options.name}): every skip needs a reason (tests: ${entry.tests.join(', ')})`,
      );
    }
    for (const title of entry.tests) skipped.set(title, entry.reason);
  }

  describe(`broker conformance: ${options.name}`, () => {
    const opened: Broker[] = [];
    const registered = new Set<string>();

    afterEach(async () => {
      // Close everything the test opened, even when it failed half-way.
      const brokers = opened.splice(0);
      await Promise.all(brokers.map((b) => b.close()));
    });

    // What the broker can do, read once from a broker that is never connected.
    let probe: Promise<Broker> | undefined;
    const missing = async (needs: readonly Need[]): Promise<string | undefined> => {
      probe ??= Promise.resolve(options.create({ sweepInterval: SWEEP_MS, resultTtl: LONG_TTL }));
      const broker = await probe;
      const lacking = needs.filter((need) => !hasNeed(broker, need));
      return lacking.length === 0 ? undefined : lacking.map((need) => NEED_REASONS[need]).join('; ');
    };
    afterAll(async () => {
      await (await probe)?.close();
    });

    const context: SuiteContext = {
      open: async (overrides = {}) => {
        const broker = await options.create({ sweepInterval: SWEEP_MS, resultTtl: LONG_TTL, ...overrides });
        opened.push(broker);
        await broker.connect();
        return resolveCapabilities(broker.capabilities).confirmsOutcomes ? broker : awaitingOutcomes(broker);
      },
      test: (title, fn, needs = []) => {
        if (registered.has(title)) throw new Error(`Duplicate conformance test title: ${title}`);
        registered.add(title);
        const reason = skipped.get(title);
        if (reason !== undefined) return it.skip(`${title} (skipped: ${reason})`, fn);
        it(title, async (ctx) => {
          const lacking = needs.length === 0 ? undefined : await missing(needs);
          if (lacking !== undefined) return ctx.skip(`skipped: ${lacking}`);
          await fn();
        });
      },
    };

    enqueueAndLeaseTests(context);
    leaseTests(context);
    outcomeTests(context);
    inspectionTests(context);
    queueSettingsTests(context);
    scheduleTests(context);
    flowControlTests(context);
    queueOpsTests(context);
    workerDirectoryTests(context);
    jobLogTests(context);
    flowTests(context);

    const unknown = [...skipped.keys()].filter((t) => !registered.has(t));
    if (unknown.length > 0) {
      throw new Error(
        `runBrokerConformance(${options.name}): skip names unknown tests: ${unknown.map((t) => JSON.stringify(t)).join(', ')}`,
      );
    }
  });
}
