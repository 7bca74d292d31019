/**
 * The building blocks of the options table (`options-table.ts`): one field
 * is one option's rule, written once, from which come its check for the
 * JavaScript API (messages naming the option, what was expected and what
 * came), its zod schema for JSON (HTTP bodies, wire frames), and its type.
 */
import { z } from 'zod';
import { NO_CONTROL_CHARS, checkInt, checkKnownKeys, checkMs, checkName, checkObject, fail } from './validate.js';

/** Longest timer Node.js can set (ms): the upper bound of every duration option. */
export const MAX_MS = 2 ** 31 - 1;

export { NO_CONTROL_CHARS };

/** One option's rule. `T` is its JavaScript type, `J` its JSON type. */
export interface OptionField<T, J = T> {
  /** What a valid value is, for messages: `an integer in [0, 1000]`. */
  readonly expected: string;
  /** Checks a value from the JavaScript API; throws InvalidArgumentError naming `name`. */
  check(name: string, value: unknown): T;
  /** The same rule for JSON. */
  readonly json: z.ZodType<J>;
  /** JSON to the JavaScript value, when they differ (a date). */
  fromJson(value: J): T;
  /** The JavaScript value to JSON. */
  toJson(value: T): J;
}

/** The JavaScript type of a field. */
export type FieldValue<F> = F extends OptionField<infer T, unknown> ? T : never;

const same = <T>(value: T): T => value;

/** An integer in [min, max]. */
export function intField(min: number, max: number): OptionField<number> {
  const expected = `an integer in [${min}, ${max}]`;
  return {
    expected,
    check: (name, value) => checkInt(name, value, min, max),
    json: z.int().min(min).max(max),
    fromJson: same,
    toJson: same,
  };
}

/** A number of milliseconds in [min, max] (fractions allowed, as timers take them). */
export function msField(min: number, max = MAX_MS): OptionField<number> {
  return {
    expected: `a number of milliseconds in [${min}, ${max}]`,
    check: (name, value) => checkMs(name, value, min, max),
    json: z.number().min(min).max(max),
    fromJson: same,
    toJson: same,
  };
}

/** A non-empty string of at most `max` characters without control characters. */
export function nameField(max: number): OptionField<string> {
  return {
    expected: `a non-empty string of at most ${max} characters without control characters`,
    check: (name, value) => checkName(name, value, max),
    json: z.string().min(1).max(max).regex(NO_CONTROL_CHARS, 'must not contain control characters'),
    fromJson: same,
    toJson: same,
  };
}

/** A boolean. */
export function booleanField(): OptionField<boolean> {
  return {
    expected: 'a boolean',
    check: (name, value) => (typeof value === 'boolean' ? value : fail(name, 'a boolean', value)),
    json: z.boolean(),
    fromJson: same,
    toJson: same,
  };
}

/** One of a few strings. */
export function oneOfField<const V extends string>(values: readonly [V, ...V[]]): OptionField<V> {
  const expected = values.map((v) => `'${v}'`).join(' or ');
  return {
    expected,
    check: (name, value) =>
      (values as readonly unknown[]).includes(value) ? (value as V) : fail(name, expected, value),
    json: z.enum(values),
    fromJson: same,
    toJson: same,
  };
}

/** A valid Date in JavaScript, an ISO 8601 date-time with offset in JSON. */
export function dateField(): OptionField<Date, string> {
  return {
    expected: 'a valid Date',
    check: (name, value) =>
      value instanceof Date && !Number.isNaN(value.getTime()) ? value : fail(name, 'a valid Date', value),
    json: z.iso.datetime({ offset: true }),
    fromJson: (value) => new Date(value),
    toJson: (value) => value.toISOString(),
  };
}

/** The fields of an object option. */
export type FieldMap = Readonly<Record<string, OptionField<unknown, unknown>>>;

/** An object whose keys are all optional. */
export type PartialOf<M extends FieldMap> = { [K in keyof M]?: FieldValue<M[K]> };

/** An object of optional fields; unknown keys are refused (strict), so a typo never passes. */
export function objectField<M extends FieldMap>(fields: M): OptionField<PartialOf<M>, Record<string, unknown>> {
  const keys: ReadonlySet<string> = new Set(Object.keys(fields));
  const shape = Object.fromEntries(Object.entries(fields).map(([k, f]) => [k, f.json.optional()]));
  const convert = (value: Record<string, unknown>, how: 'fromJson' | 'toJson'): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = fields[k]![how](v);
    return out;
  };
  return {
    expected: `an object with ${[...keys].join(', ')}`,
    check: (name, value) => {
      const o = checkObject(name, value);
      checkKnownKeys(name, o, keys);
      for (const [k, v] of Object.entries(o)) if (v !== undefined) fields[k]!.check(`${name}.${k}`, v);
      return o as PartialOf<M>;
    },
    json: z.strictObject(shape),
    fromJson: (value) => convert(value, 'fromJson') as PartialOf<M>,
    toJson: (value) => convert(value, 'toJson'),
  };
}

/** Every field of `M`, required. */
export type AllOf<M extends FieldMap> = { [K in keyof M]: FieldValue<M[K]> };

/** An object with exactly the given fields, each required (a rate limit: `max` and `per`). */
export function requiredObjectField<M extends FieldMap>(fields: M): OptionField<AllOf<M>, Record<string, unknown>> {
  const partial = objectField(fields);
  const keys = Object.keys(fields);
  return {
    expected: `an object with ${keys.join(' and ')}`,
    check: (name, value) => {
      const o = partial.check(name, value);
      for (const k of keys)
        if ((o as Record<string, unknown>)[k] === undefined) fail(name, `an object with \`${k}\``, value);
      return o as AllOf<M>;
    },
    json: z.strictObject(Object.fromEntries(Object.entries(fields).map(([k, f]) => [k, f.json]))),
    fromJson: (value) => partial.fromJson(value) as AllOf<M>,
    toJson: (value) => partial.toJson(value),
  };
}
