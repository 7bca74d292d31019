import { randomBytes } from 'node:crypto';

/** Makes job ids (dingo's pluggable ID makers). Must be unique across every producer of a broker. */
export type IdMaker = () => string;

/**
 * The default id maker: a random 64-bit prefix per maker plus a counter,
 * base-36. Short (≈ 16 characters, so a queued job costs little memory),
 * unique across processes with overwhelming probability, and sortable
 * within one producer.
 */
export function createIdMaker(): IdMaker {
  const prefix = randomBytes(8).readBigUInt64BE().toString(36).padStart(13, '0');
  let counter = 0;
  return () => prefix + (counter++).toString(36);
}
