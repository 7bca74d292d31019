import type { Broker } from './contract/index.js';
import type { Codec } from './codec.js';
import { ConfigError } from './errors.js';

/** What a broker factory gets from the app besides the URL. */
export interface BrokerContext {
  codec: Codec;
  /** For `ws://` brokers: the shared secret. */
  secret?: string | undefined;
}

/** Makes a broker from a URL of its scheme (loads its driver lazily). */
export type BrokerFactory = (url: string, context: BrokerContext) => Promise<Broker>;

const factories = new Map<string, BrokerFactory>();

/**
 * Registers a URL scheme (`sqlite`, `redis`…). `src/index.ts` registers the
 * built-in ones with lazy imports, so core never imports a broker.
 */
export function registerBrokerScheme(scheme: string, factory: BrokerFactory): void {
  factories.set(scheme.toLowerCase(), factory);
}

/** Schemes that can be used in a broker URL. */
export function brokerSchemes(): string[] {
  return [...factories.keys()];
}

/** Creates the broker a URL names; ConfigError for unknown schemes or bad URLs. */
export async function createBrokerFromUrl(url: string, context: BrokerContext): Promise<Broker> {
  const match = /^([a-z][a-z0-9+.-]*):/i.exec(url);
  const scheme = match?.[1]?.toLowerCase();
  const factory = scheme === undefined ? undefined : factories.get(scheme);
  if (!factory) {
    throw new ConfigError(
      `Unknown broker URL ${JSON.stringify(url)}: expected one of ${brokerSchemes()
        .map((s) => `${s}:`)
        .join(', ')}`,
    );
  }
  return factory(url, context);
}
