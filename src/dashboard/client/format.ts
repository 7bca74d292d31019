/** Formatting of values for display (text only). */

/** A time of day, or an empty string. */
export function time(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '';
  return new Date(ms).toLocaleTimeString();
}

/** A date and time, or an empty string. */
export function dateTime(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '';
  return new Date(ms).toLocaleString();
}

/** How long ago, in words. */
export function ago(ms: number, now = Date.now()): string {
  const s = Math.max(0, Math.round((now - ms) / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  return `${Math.floor(s / 3600)} h ago`;
}

/** A value as indented JSON (any value; never throws). */
export function json(value: unknown): string {
  if (value === undefined) return '';
  try {
    // JSON.stringify answers undefined for functions and symbols, which JSON from the API never holds.
    return JSON.stringify(value, null, 2) ?? typeof value;
  } catch {
    return '(not printable)';
  }
}

/** A value in one short line (progress in a table cell). */
export function brief(value: unknown, max = 60): string {
  if (value === undefined || value === null) return '';
  const text = typeof value === 'string' ? value : json(value).replace(/\s+/g, ' ');
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** A whole number with thousands separators. */
export function count(n: number): string {
  return n.toLocaleString('en-US');
}
