import { ConfigError } from '../../core/errors.js';

/** A parsed `ws://` / `wss://` broker URL. */
export interface RemoteUrl {
  /** As given (without credentials), for messages. */
  url: string;
  /** `ws://host:port` — the WebSocket origin. */
  wsBase: string;
  /** `http://host:port` — the HTTP API's origin. */
  httpBase: string;
}

/**
 * Parses `ws://host:port` or `wss://host:port` (a path such as
 * `/v1/workers/ws` is ignored: the endpoints are fixed). `ws` maps to
 * `http`, `wss` to `https`.
 */
export function parseRemoteUrl(url: string): RemoteUrl {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigError(`Invalid broker URL ${JSON.stringify(url)}: expected ws://host:port or wss://host:port`);
  }
  if (parsed.protocol !== 'ws:' && parsed.protocol !== 'wss:') {
    throw new ConfigError(`Invalid broker URL ${JSON.stringify(url)}: expected ws://host:port or wss://host:port`);
  }
  if (parsed.username !== '' || parsed.password !== '') {
    throw new ConfigError(
      'A ws:// broker URL must not carry credentials; pass the secret with `secret` (or DROVER_SECRET)',
    );
  }
  const http = parsed.protocol === 'wss:' ? 'https:' : 'http:';
  return {
    url: `${parsed.protocol}//${parsed.host}`,
    wsBase: `${parsed.protocol}//${parsed.host}`,
    httpBase: `${http}//${parsed.host}`,
  };
}
