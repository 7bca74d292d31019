/**
 * The conformance suite on the `ws://` broker, against a real drover server
 * (in this process, on a memory broker) over a real socket. Tests of parts
 * the broker declares it lacks skip by its capabilities; the rest that it
 * cannot pass are listed below, each with its reason.
 */
import { afterAll, beforeAll } from 'vitest';
import { Drover } from '../../src/index.js';
import { createMemoryBroker } from '../../src/brokers/memory/index.js';
import { createRemoteBroker } from '../../src/brokers/remote/index.js';
import { createServer } from '../../src/server/index.js';
import type { DroverServer } from '../../src/server/index.js';
import { runBrokerConformance } from './broker.suite.js';

let server: DroverServer | undefined;
let url = '';

beforeAll(async () => {
  const app = new Drover({ broker: createMemoryBroker({ sweepInterval: 50 }) });
  server = createServer({ app, port: 0, leaseMs: 250, heartbeatMs: 100, grace: 0 });
  url = (await server.listen()).url.replace(/^http/, 'ws');
});

afterAll(async () => {
  await server?.close({ grace: 0 });
});

runBrokerConformance({
  name: 'remote (ws://)',
  create: () => createRemoteBroker(url, { name: 'conformance' }),
  skip: [
    {
      reason: 'the HTTP job view writes “no result” as null, so a null result reads back as undefined',
      tests: ['.ack() - records the result on the snapshot and in a succeeded report'],
    },
    {
      reason: 'the server’s event stream ends at the first terminal report, so watch() misses the reports of a re-run',
      tests: ['.retry() - re-runs a failed or cancelled job with a fresh attempt count'],
    },
    {
      reason: 'resultTtl is a setting of the server’s own broker; a client cannot choose it',
      tests: ['resultTtl - results stay in getJob until the TTL, then are pruned'],
    },
  ],
});
