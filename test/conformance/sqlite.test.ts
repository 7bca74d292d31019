import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { createSqliteBroker } from '../../src/brokers/sqlite/index.js';
import { runBrokerConformance } from './broker.suite.js';

const dir = mkdtempSync(join(tmpdir(), 'drover-sqlite-conformance-'));
let n = 0;
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// A fresh database file per test, with synchronous=FULL as in production.
runBrokerConformance({
  name: 'sqlite',
  create: (options) => createSqliteBroker({ path: join(dir, `t${n++}.db`), ...options }),
});
