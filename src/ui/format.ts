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

const SUPERSCRIPT: Record<string, string> = { '-': '⁻', '0': '⁰', '1': '¹', '2': '²', '3': '³', '4': '⁴', '5': '⁵', '6': '⁶', '7': '⁷', '8': '⁸', '9': '⁹' };

/** A number in scientific notation as a student writes it: `3.0 × 10⁻⁶` (never `3.0e-6`). */
export function formatScientific(x: number, digits = 1): string {
  if (x === 0) return '0';
  if (!Number.isFinite(x)) return formatNumber(x);
  const [mantissa, exponent] = x.toExponential(digits).split('e') as [string, string];
  const exp = String(Number(exponent));
  return `${mantissa.replace('-', '−')} × 10${[...exp].map((c) => SUPERSCRIPT[c] ?? c).join('')}`;
}

/**
 * A probability as a percentage with enough digits to tell small ones apart: plain decimals down to
 * 0.0001% (`0.00030%`, two significant digits), scientific notation below that (`3.0 × 10⁻⁶%`).
 */
export function formatPercent(p: number): string {
  if (p < 0) return `−${formatPercent(-p)}`;
  const pct = p * 100;
  if (pct >= 10) return `${pct.toFixed(1)}%`;
  if (pct >= 0.01) return `${pct.toFixed(2)}%`;
  if (pct === 0) return '0%';
  if (pct >= 0.0001) return `${pct.toFixed(1 - Math.floor(Math.log10(pct)))}%`;
  return `${formatScientific(pct)}%`;
}

export function formatNumber(x: number, digits = 3): string {
  if (x === -Infinity) return '−∞';
  if (x === Infinity) return '∞';
  return x.toFixed(digits).replace('-', '−');
}

export function formatInt(n: number): string {
  return n.toLocaleString('en-US');
}
