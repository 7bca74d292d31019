import { createMemoryBroker } from '../../src/brokers/memory/index.js';
import { runBrokerConformance } from './broker.suite.js';

runBrokerConformance({ name: 'memory', create: (options) => createMemoryBroker(options) });
