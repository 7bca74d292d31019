import { describe } from './codec.js';
import { InvalidArgumentError } from './errors.js';

/**
 * Option checks whose messages say what was expected and what came:
 * ``Expected `concurrency` to be a non-negative integer, got -1 (number)``.
 */
export function fail(name: string, expected: string, got: unknown): never {
  throw new InvalidArgumentError(`Expected \`${name}\` to be ${expected}, got ${describe(got)}`);
}

/** An integer in [min, max]. */
export function checkInt(name: string, value: unknown, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    const range =
      max === Number.MAX_SAFE_INTEGER
        ? min === 0
          ? 'a non-negative integer'
          : `an integer ≥ ${min}`
        : `an integer in [${min}, ${max}]`;
    fail(name, range, value);
  }
  return value;
}

/** A finite number of milliseconds in [min, max]. */
export function checkMs(name: string, value: unknown, min = 0, max = 2 ** 31 - 1): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    fail(name, `a number of milliseconds in [${min}, ${max}]`, value);
  }
  return value;
}

/** No C0 control characters and no DEL: names and keys end up in logs and terminals. The one such check. */
// eslint-disable-next-line no-control-regex
export const NO_CONTROL_CHARS = /^[^\u0000-\u001f\u007f]*$/;

/** A non-empty string of at most `max` characters without control characters. */
export function checkName(name: string, value: unknown, max = 200): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > max || !NO_CONTROL_CHARS.test(value)) {
    fail(name, `a non-empty string of at most ${max} characters without control characters`, value);
  }
  return value;
}

/** A plain object (or undefined when `optional`). */
export function checkObject(name: string, value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(name, 'an object', value);
  return value as Record<string, unknown>;
}

/** Throws when `value` has a key not in `known`, naming it. */
export function checkKnownKeys(name: string, value: Record<string, unknown>, known: ReadonlySet<string>): void {
  for (const key of Object.keys(value)) {
    if (!known.has(key)) {
      throw new InvalidArgumentError(
        `Unknown option \`${key}\` in \`${name}\`; expected one of ${[...known].join(', ')}`,
      );
    }
  }
}
