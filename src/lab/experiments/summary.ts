/**
 * Summaries of a batch's headline numbers (`lab summarize`): per number n, mean, sample standard
 * deviation, the 95% confidence interval of the mean (Student t with n − 1 degrees of freedom:
 * mean ± t₀.₉₇₅,ₙ₋₁ · sd / √n), min and max. DOM-free, so the Library could show the same figures.
 *
 * The t quantile is computed (not looked up): the t CDF through the regularized incomplete beta function
 * (continued fraction, Numerical Recipes §6.4), inverted by bisection to ~1e-12.
 */

/** ln Γ(x) for x > 0 (Lanczos, g = 7, 9 terms; relative error ~1e-15). */
export function logGamma(x: number): number {
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905,
    -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
  const z = x - 1;
  let a = c[0]!;
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += c[i]! / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Continued fraction of the incomplete beta function (modified Lentz). */
function betaContinuedFraction(a: number, b: number, x: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 1000; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-15) break;
  }
  return h;
}

/** The regularized incomplete beta function I_x(a, b). */
export function regularizedBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  return x < (a + 1) / (a + b + 2) ? (front * betaContinuedFraction(a, b, x)) / a : 1 - (front * betaContinuedFraction(b, a, 1 - x)) / b;
}

/** P(T ≤ t) for Student's t with `df` degrees of freedom. */
export function tCdf(t: number, df: number): number {
  const tail = 0.5 * regularizedBeta(df / (df + t * t), df / 2, 0.5);
  return t > 0 ? 1 - tail : tail;
}

/** The p-quantile of Student's t with `df` degrees of freedom (p in (0, 1), df > 0). */
export function tQuantile(p: number, df: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`tQuantile: p must be in (0, 1), got ${p}`);
  if (!(df > 0)) throw new RangeError(`tQuantile: df must be > 0, got ${df}`);
  if (p === 0.5) return 0;
  if (p < 0.5) return -tQuantile(1 - p, df);
  let lo = 0;
  let hi = 1;
  while (tCdf(hi, df) < p) hi *= 2;
  for (let i = 0; i < 200 && hi - lo > 1e-12 * hi; i++) {
    const mid = (lo + hi) / 2;
    if (tCdf(mid, df) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** The figures of one headline number over a prompt set. Nulls where n is too small to define them. */
export interface NumberSummary {
  /** Results that have this number (a result may not compute every headline number). */
  n: number;
  /** Results where the number is null (not computed for that result). */
  missing: number;
  mean: number | null;
  /** Sample standard deviation (n − 1 in the denominator); null for n < 2. */
  sd: number | null;
  /** 95% confidence interval of the mean, Student t with n − 1 degrees of freedom; null for n < 2. */
  ci95: [number, number] | null;
  min: number | null;
  max: number | null;
}

/** n, mean, sd, 95% CI (Student t), min, max of `values` (nulls, and non-finite numbers a headline could
 *  yield from 0/0, counted as missing). */
export function describe(values: (number | null)[]): NumberSummary {
  const xs = values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  const missing = values.length - xs.length;
  const n = xs.length;
  if (n === 0) return { n, missing, mean: null, sd: null, ci95: null, min: null, max: null };
  const mean = xs.reduce((s, x) => s + x, 0) / n;
  let min = xs[0]!;
  let max = xs[0]!;
  for (const x of xs) {
    if (x < min) min = x;
    if (x > max) max = x;
  }
  if (n < 2) return { n, missing, mean, sd: null, ci95: null, min, max };
  // All equal: exactly that value, sd 0 (summing n copies can leave rounding noise like 1e-16).
  if (min === max) return { n, missing, mean: min, sd: 0, ci95: [min, min], min, max };
  const sd = Math.sqrt(xs.reduce((s, x) => s + (x - mean) ** 2, 0) / (n - 1));
  const half = (tQuantile(0.975, n - 1) * sd) / Math.sqrt(n);
  return { n, missing, mean, sd, ci95: [mean - half, mean + half], min, max };
}

/** Summaries of every headline number over a list of headline records, in the order the names first
 *  appear; a name absent from a record counts as missing there. */
export function describeHeadlines(headlines: Record<string, number | null>[]): Record<string, NumberSummary> {
  const names: string[] = [];
  const seen = new Set<string>();
  for (const h of headlines) {
    for (const k of Object.keys(h)) {
      if (!seen.has(k)) {
        seen.add(k);
        names.push(k);
      }
    }
  }
  const out: Record<string, NumberSummary> = {};
  for (const name of names) out[name] = describe(headlines.map((h) => h[name] ?? null));
  return out;
}
