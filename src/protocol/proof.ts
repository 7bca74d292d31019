/**
 * The handshake's cryptography (docs/protocol.md): single-use nonces, session
 * keys, and the HMAC-SHA256 proofs both sides compute from the shared
 * secret. The secret is the HMAC key as UTF-8 bytes; proofs are lowercase
 * hex. Nothing here logs or returns the secret.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** Bytes of entropy in a server nonce. */
export const NONCE_BYTES = 32;
/** Length of a proof in hex characters (SHA-256). */
export const PROOF_HEX_LENGTH = 64;

/** Proofs are lowercase hex (docs/protocol.md §3): one spelling, so one answer. */
const HEX = /^[0-9a-f]+$/;

/** Who a proof speaks for: the worker (`auth.proof`) or the server (`welcome.serverProof`). */
export type ProofRole = 'worker' | 'server';

/** A fresh server nonce: 32 random bytes, base64. */
export function createNonce(): string {
  return randomBytes(NONCE_BYTES).toString('base64');
}

/** A fresh client nonce: 32 random bytes, base64. */
export function createClientNonce(): string {
  return randomBytes(NONCE_BYTES).toString('base64');
}

/** A fresh session key (what a worker resumes with): 32 random bytes, base64url. */
export function createSessionKey(): string {
  return randomBytes(32).toString('base64url');
}

/** A fresh worker id: short, random, safe in URLs and logs. */
export function createWorkerId(): string {
  return `w-${randomBytes(9).toString('base64url')}`;
}

/**
 * `hex(HMAC-SHA256(secret, "drover/1|" + role + "|" + workerId + "|" + nonce + "|" + clientNonce))`.
 * @example computeProof('worker', secret, 'w-abc', nonce, clientNonce)
 */
export function computeProof(
  role: ProofRole,
  secret: string,
  workerId: string,
  nonce: string,
  clientNonce: string,
): string {
  return createHmac('sha256', secret)
    .update(`drover/1|${role}|${workerId}|${nonce}|${clientNonce}`, 'utf8')
    .digest('hex');
}

/** The worker's proof (the `auth` frame). */
export function workerProof(secret: string, workerId: string, nonce: string, clientNonce: string): string {
  return computeProof('worker', secret, workerId, nonce, clientNonce);
}

/** The server's proof (the `welcome` frame). */
export function serverProof(secret: string, workerId: string, nonce: string, clientNonce: string): string {
  return computeProof('server', secret, workerId, nonce, clientNonce);
}

/**
 * Compares a proof from the wire with the expected one: length and hex
 * checked first, then `timingSafeEqual` on the bytes. Never throws.
 */
export function verifyProof(expectedHex: string, given: unknown): boolean {
  if (typeof given !== 'string' || given.length !== PROOF_HEX_LENGTH || !HEX.test(given)) return false;
  const a = Buffer.from(expectedHex, 'hex');
  const b = Buffer.from(given, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Compares two secrets or tokens in constant time for equal lengths. */
export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}
