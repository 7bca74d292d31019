/**
 * `ws://` / `wss://` brokers: a drover server as the broker of remote
 * workers and producers (`drover/brokers/remote`).
 */
import { hostname } from 'node:os';
import type { Codec } from '../../core/codec.js';
import { ConfigError } from '../../core/errors.js';
import type { Broker } from '../../core/contract/index.js';
import type { RemoteBrokerOptions } from './remote-broker.js';
import { RemoteBroker } from './remote-broker.js';
import { parseRemoteUrl } from './remote-url.js';

export { RemoteBroker } from './remote-broker.js';
export type { RemoteBrokerOptions } from './remote-broker.js';
export { parseRemoteUrl } from './remote-url.js';
export type { RemoteUrl } from './remote-url.js';

/**
 * Creates a broker that works through a drover server. Arguments and results
 * travel as JSON, so only the `json` codec is accepted.
 * @example const broker = createRemoteBroker('ws://127.0.0.1:7400', { codec: jsonCodec, secret });
 */
export function createRemoteBroker(url: string, context: RemoteBrokerOptions & { codec?: Codec | undefined }): Broker {
  if (context.codec !== undefined && context.codec.name !== 'json') {
    throw new ConfigError(
      `The ${url} broker carries arguments and results as JSON; the ${context.codec.name} codec cannot be used with it`,
    );
  }
  return new RemoteBroker(parseRemoteUrl(url), { ...context, name: context.name ?? `${hostname()}:${process.pid}` });
}
