import type { z } from 'zod';
import { HttpError, HttpErrorCodes } from './http-error.js';

const MAX_ISSUES = 3;

/**
 * Validates request input with a zod schema. On failure throws a 400 whose
 * message names each wrong field by its path and says what was expected:
 * `body[2].args: expected array, received string`.
 */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, where: string): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues
    .slice(0, MAX_ISSUES)
    .map((issue) => `${pathOf(where, issue.path)}: ${issue.message}`);
  const more = parsed.error.issues.length - MAX_ISSUES;
  throw new HttpError(400, HttpErrorCodes.BAD_REQUEST, issues.join('; ') + (more > 0 ? ` (and ${more} more)` : ''));
}

function pathOf(where: string, path: readonly PropertyKey[]): string {
  let out = where;
  for (const part of path) out += typeof part === 'number' ? `[${part}]` : `.${String(part)}`;
  return out;
}
