/** Number formatting for display (no maths beyond rounding). */

export function formatBytes(n: number): string {
  if (!Number.isFinite(n) || n <= 0) return '0 B';
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  if (n < 1024 ** 3) return `${(n / 1024 / 1024).toFixed(1)} MB`;
  return `${(n / 1024 ** 3).toFixed(2)} GB`;
}

export function formatMB(n: number): string {
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

/** A probability as a percentage with enough digits to tell small ones apart. */
export function formatPercent(p: number): string {
  const pct = p * 100;
  if (pct >= 10) return `${pct.toFixed(1)}%`;
  if (pct >= 0.01) return `${pct.toFixed(2)}%`;
  if (pct === 0) return '0%';
  return `${pct.toExponential(1)}%`;
}

export function formatNumber(x: number, digits = 3): string {
  if (x === -Infinity) return '−∞';
  if (x === Infinity) return '∞';
  return x.toFixed(digits).replace('-', '−');
}

export function formatInt(n: number): string {
  return n.toLocaleString('en-US');
}
