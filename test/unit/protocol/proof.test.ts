import { describe, expect, it } from 'vitest';
import { NONCE_BYTES, createNonce, serverProof, verifyProof, workerProof } from '../../../src/protocol/index.js';

// The worked example of docs/protocol.md §3: keep the two in step.
const secret = 'correct-horse-battery-staple-0123456789';
const workerId = 'w-4fJ2kQx9LmP1';
const nonce = 'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=';
const clientNonce = '//79/Pv6+fj39vX08/Lx8O/u7ezr6uno5+bl5OPi4eA=';

describe('protocol proofs', () => {
  it('workerProof() and serverProof() match the worked example of docs/protocol.md', () => {
    expect(workerProof(secret, workerId, nonce, clientNonce)).toBe(
      '41845252ac008dd8ca9565fd4ecc522a4aff0991e8935e3f1b3af8345221faed',
    );
    expect(serverProof(secret, workerId, nonce, clientNonce)).toBe(
      'b756218d50b62801e4cbf469a2f7fa781fce274ac17936834e54355f302b8451',
    );
  });

  it('verifyProof() accepts the right proof and refuses wrong, short, long, non-hex and non-string ones', () => {
    const right = workerProof(secret, workerId, nonce, clientNonce);
    expect(verifyProof(right, right)).toBe(true);
    expect(verifyProof(right, right.toUpperCase())).toBe(false);
    expect(verifyProof(right, workerProof(`${secret}x`, workerId, nonce, clientNonce))).toBe(false);
    expect(verifyProof(right, right.slice(0, 63))).toBe(false);
    expect(verifyProof(right, `${right}0`)).toBe(false);
    expect(verifyProof(right, `${right.slice(0, 62)}zz`)).toBe(false);
    for (const bad of [undefined, null, 42, {}, ['a']]) expect(verifyProof(right, bad)).toBe(false);
  });

  it('createNonce() gives 32 fresh random bytes', () => {
    const a = createNonce();
    expect(Buffer.from(a, 'base64')).toHaveLength(NONCE_BYTES);
    expect(createNonce()).not.toBe(a);
  });
});
