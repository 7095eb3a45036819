/** CSV fields (RFC 4180), shared by every export. DOM-free. */

export type CsvCell = string | number | boolean | null | undefined;

/**
 * One CSV field: numbers in full precision; text quoted when it holds a comma, quote, newline or
 * leading/trailing space; and text that a spreadsheet would run as a formula (starting with `=`, `+`,
 * `-`, `@`, tab or CR; model output and prompts can) is prefixed with `'` so it stays text (OWASP's
 * CSV-injection guard). Numbers are written as numbers, negative ones included.
 */
export function csvField(v: CsvCell): string {
  if (v === null || v === undefined) return '';
  let s: string;
  if (typeof v === 'number') s = Number.isFinite(v) ? String(v) : v > 0 ? 'Infinity' : v < 0 ? '-Infinity' : 'NaN';
  else {
    s = String(v);
    if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  }
  return /[",\r\n]/.test(s) || /^\s|\s$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
