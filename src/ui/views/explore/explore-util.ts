/** Small helpers of the Explore view: URL parameters, colours, labels. */
import type { SamplingSettings } from '../../../lab/distributions';
import type { RankBucket, StepDistribution, StepRow } from '../../../lab/loom';
import { queryParam, type Side } from '../../params';

export type Models = 'both' | 'base' | 'tuned';
export type ColorBy = 'prob' | 'rank';

export const DEFAULT_PROMPT = 'The old man looked at the';
export const SHOW_CHOICES = [10, 25, 100, 500] as const;
export const NAMES: Record<Side, string> = { base: 'Base', tuned: 'Tuned' };
export const BUCKET_LABEL: Record<RankBucket, string> = { top1: 'top 1', top10: 'top 10', top100: 'top 100', beyond: 'beyond 100' };

export function pick<T extends string>(value: string | null, allowed: readonly T[], fallback: T): T {
  return value !== null && (allowed as readonly string[]).includes(value) ? (value as T) : fallback;
}

export function numberParam(key: string, fallback: number): number {
  const v = queryParam(key);
  const n = v === null || v === '' ? NaN : Number(v);
  return Number.isFinite(n) ? n : fallback;
}

export function errorText(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return String(err);
}

/** Background for a token by its log-probability: green when likely, red when unlikely (log scale). */
export function probColor(logprob: number): string {
  const x = Math.max(0, Math.min(1, 1 + logprob / 8));
  return `hsla(${Math.round(120 * x)}, 70%, 50%, 0.3)`;
}

export function settingsLabel(s: SamplingSettings): string {
  if (s.temperature === 0) return 'greedy (T = 0)';
  const parts = [`T = ${s.temperature}`];
  if (s.topK > 0) parts.push(`top-k ${s.topK}`);
  if (s.topP < 1) parts.push(`top-p ${s.topP}`);
  if (s.minP > 0) parts.push(`min-p ${s.minP}`);
  return parts.join(', ');
}

export interface ModelStep {
  side: Side;
  dist: StepDistribution;
}

export interface SearchHit {
  id: number;
  rows: Partial<Record<Side, StepRow>>;
}
