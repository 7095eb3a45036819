/**
 * Downloads of a view's results: CSV and JSON files built in the page and saved through a temporary
 * object URL (nothing leaves the machine). `toCsv` quotes every field that needs it (RFC 4180).
 */

import { csvField, type CsvCell } from '../lab/csv';

export { csvField, type CsvCell };

/** Rows (the first one the header) as CSV text with CRLF line ends. */
export function toCsv(rows: CsvCell[][]): string {
  return rows.map((r) => r.map(csvField).join(',')).join('\r\n') + '\r\n';
}

/** Save `text` as a file called `filename`. */
export function downloadText(filename: string, text: string, type: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  a.style.display = 'none';
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function downloadJson(filename: string, data: unknown): void {
  downloadText(filename, JSON.stringify(data, null, 2), 'application/json');
}

export function downloadCsv(filename: string, rows: CsvCell[][]): void {
  downloadText(filename, toCsv(rows), 'text/csv');
}
