import { randomBytes } from 'node:crypto';

const PROCESS = randomBytes(9).toString('base64url');
let counter = 0;

/**
 * A fresh token or ticket nonce: random per process plus a counter, so it is
 * unique across processes and cheap enough for a batch of thousands.
 */
export function freshToken(): string {
  counter = (counter + 1) % Number.MAX_SAFE_INTEGER;
  return `${PROCESS}${counter.toString(36)}`;
}
