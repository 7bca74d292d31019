/**
 * Tasks of the AMQP fault tests, run by real `drover worker --broker amqp://…`
 * processes. With DROVER_TEST_LEDGER set, `work` appends `S <tag> <pid>` when
 * it starts and `E <tag> <pid>` when it ends, synchronously (the ledger
 * survives SIGKILL and lives outside the system under test).
 */
import { appendFileSync } from 'node:fs';
import { task } from '../../src/index.js';

const ledger = process.env.DROVER_TEST_LEDGER;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Records the execution in the ledger, works `ms`, returns `tag`. */
export const work = task('work', async (tag: string, ms: number) => {
  if (ledger) appendFileSync(ledger, `S ${tag} ${process.pid}\n`);
  await sleep(ms);
  if (ledger) appendFileSync(ledger, `E ${tag} ${process.pid}\n`);
  return tag;
});

/** Poison: always throws. */
export const boom = task('boom', (message: string) => {
  throw new Error(message);
});

/** Poison: kills its own worker process. */
export const exiter = task('exiter', (_tag: string) => {
  process.exit(3);
});
