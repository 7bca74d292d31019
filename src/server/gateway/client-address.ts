import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';

/**
 * The client's address of a request: the socket's, or — when the socket
 * comes from a trusted reverse proxy — the last `X-Forwarded-For` entry that
 * is not itself a trusted proxy (the one the nearest trusted proxy saw).
 */
export function clientAddress(req: IncomingMessage, trusted: ReadonlySet<string>): string {
  let address = normalize(req.socket.remoteAddress ?? 'unknown');
  if (trusted.size === 0 || !trusted.has(address)) return address;
  const header = req.headers['x-forwarded-for'];
  const hops = (Array.isArray(header) ? header.join(',') : (header ?? ''))
    .split(',')
    .map((h) => h.trim())
    .filter((h) => isIP(h) !== 0);
  for (let i = hops.length - 1; i >= 0; i--) {
    address = normalize(hops[i]!);
    if (!trusted.has(address)) return address;
  }
  return address;
}

function normalize(address: string): string {
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}
