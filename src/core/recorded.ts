/**
 * A resolved promise an in-process broker returns from `ack` (or `nack`)
 * when the outcome is already recorded by the time the call returns. The
 * herd recognises it and frees the slot at once, with no callback, closure
 * or promise per job; any other promise is awaited as usual.
 */
export const RECORDED: Promise<void> = Promise.resolve();
