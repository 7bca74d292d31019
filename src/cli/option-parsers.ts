/**
 * Parsers for command-line values. Each throws commander's
 * InvalidArgumentError, which commander prints as one line naming the
 * option and the value.
 */
import { InvalidArgumentError } from 'commander';
import { CliError } from './cli-error.js';

/** An integer in [min, max]. */
export function integer(min: number, max: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!/^-?\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`expected an integer in [${min}, ${max}]`);
    }
    return n;
  };
}

/** A number of milliseconds (an integer ≥ 0, at most about 24 days). */
export const milliseconds = integer(0, 2 ** 31 - 1);

/** A TCP port (0 picks a free one). */
export const port = integer(0, 65_535);

/** An http(s) URL of a drover server, without a trailing slash. */
export function serverUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidArgumentError('expected a URL such as http://127.0.0.1:7400');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new InvalidArgumentError('expected an http:// or https:// URL');
  return url.href.replace(/\/+$/, '');
}

/** A JSON value. */
export function jsonValue(value: string): unknown {
  try {
    return JSON.parse(value) as unknown;
  } catch {
    throw new InvalidArgumentError('expected JSON');
  }
}

/** Positional arguments that are each a JSON value (`drover call`, `drover schedules add`). */
export function parseJsonArgs(raw: readonly string[]): unknown[] {
  return raw.map((value, index) => {
    try {
      return JSON.parse(value) as unknown;
    } catch {
      throw new CliError(
        `argument ${index + 1} is not JSON: ${JSON.stringify(value)}; quote strings, e.g. '"${value.replace(/'/g, '')}"'`,
      );
    }
  });
}
