/**
 * Formats rows as a plain text table with a header, columns padded to
 * their widest cell; numbers are right-aligned.
 */
export function textTable(headers: readonly string[], rows: readonly (readonly unknown[])[]): string {
  // eslint-disable-next-line no-control-regex
  const cells = rows.map((row) => row.map((c) => cellText(c).replace(/[\u0000-\u001f\u007f]/g, '?')));
  const numeric = headers.map((_, i) => rows.length > 0 && rows.every((row) => typeof row[i] === 'number'));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((row) => row[i]?.length ?? 0)));
  const line = (row: readonly string[]): string =>
    row
      .map((cell, i) => (numeric[i] ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(headers), ...cells.map(line)].join('\n');
}

function cellText(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return value;
    case 'number':
    case 'boolean':
    case 'bigint':
      return String(value);
    case 'undefined':
      return '';
    default:
      return value === null ? '' : (JSON.stringify(value) ?? '');
  }
}
