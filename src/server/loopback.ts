import { isIP } from 'node:net';

/** True when `host` can only be reached from this machine. */
export function isLoopbackHost(host: string): boolean {
  const h = host
    .trim()
    .toLowerCase()
    .replace(/^\[(.*)\]$/, '$1');
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) return h === '::1' || h.startsWith('::ffff:127.');
  return false;
}

/**
 * Why a request to a server without a secret must be refused, or undefined
 * when it may pass (docs/reliability.md S25): its `Host` must name this
 * machine (a loopback name or address), and a browser's `Origin`, when
 * sent, too. A web page the user visits can point its own DNS name at
 * 127.0.0.1 (DNS rebinding), but it cannot choose the `Host` it sends.
 */
export function loopbackOnlyRefusal(host: string | undefined, origin: string | undefined): string | undefined {
  const name = host === undefined ? undefined : hostnameOf(`http://${host}`);
  if (name === undefined || !isLoopbackHost(name))
    return 'This server has no secret and answers only requests addressed to a loopback host (localhost, 127.0.0.1, [::1])';
  if (origin !== undefined && origin !== 'null') {
    const from = hostnameOf(origin);
    if (from === undefined || !isLoopbackHost(from))
      return 'This server has no secret and refuses requests from web pages of other origins';
  }
  if (origin === 'null') return 'This server has no secret and refuses requests from web pages of other origins';
  return undefined;
}

function hostnameOf(url: string): string | undefined {
  try {
    return new URL(url).hostname;
  } catch {
    return undefined;
  }
}
