/**
 * The README's "From scratch, timed and compared" paragraph states what models/train/rebuild_check.py
 * recorded in models/train/rebuild-check.json: each figure there is checked against the JSON, so a rerun
 * of the check that changes them makes this test fail until the README says the same.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

interface RebuildCheck {
  siblings: Record<'lab-base' | 'lab-sft' | 'lab-rl', { tensors: number; max_abs_weight_diff: number; bit_identical: boolean }>;
  metrics: { max_rel: number; where: string; discrete_equal: boolean; compared: number };
  rebuild: { stage1_source: string; wall_minutes: Record<string, number>; cpu_minutes: number; max_rss_mb: number };
}

const check = JSON.parse(readFileSync('models/train/rebuild-check.json', 'utf8')) as RebuildCheck;
const readme = readFileSync('README.md', 'utf8');
const start = readme.indexOf('**From scratch, timed and compared**');
const paragraph = readme.slice(start, readme.indexOf('\n\n', start));
const exp = (x: number) => x.toExponential(1).replace(/e([+-])0*(\d)/, 'e$1$2').replace('e+', 'e');

describe('README: the from-scratch rebuild of the family', () => {
  it('was a rebuild from scratch (stage 1 trained, not loaded)', () => {
    expect(start).toBeGreaterThan(0);
    expect(check.rebuild.stage1_source).toBe('trained in this build');
  });

  it('states the CPU time, the peak memory and the wall minutes per stage the rebuild recorded', () => {
    expect(paragraph).toContain(`${check.rebuild.cpu_minutes.toFixed(1)} min of CPU time`);
    expect(check.rebuild.cpu_minutes).toBeLessThan(60); // "within about an hour on 2 cores": one thread, one core
    expect(paragraph).toContain(`peak RSS ${(check.rebuild.max_rss_mb / 1024).toFixed(1)} GB`);
    const w = check.rebuild.wall_minutes;
    expect(paragraph).toContain(`${w['total']!.toFixed(1)} min`);
    for (const [stage, label] of [['stage1', 'stage 1'], ['base', 'stage 2'], ['sft', 'lab-sft'], ['rl', 'lab-rl'], ['rl_nokl', 'RL without KL']] as const) {
      expect(paragraph).toMatch(new RegExp(`${label} ${w[stage]!.toFixed(1)}`));
    }
  });

  it('states how far the weights and the measured numbers are from the committed family', () => {
    for (const name of ['lab-base', 'lab-sft', 'lab-rl'] as const) {
      const s = check.siblings[name];
      expect(s.tensors).toBe(38);
      expect(s.bit_identical).toBe(false); // the paragraph says "not bit-identical"
      expect(paragraph).toContain(`${exp(s.max_abs_weight_diff)} (${name})`);
    }
    expect(paragraph).toContain('**not bit-identical**');
    expect(paragraph).toContain(`${check.metrics.compared} numbers`);
    expect(paragraph).toContain(`relative ${exp(check.metrics.max_rel)}`);
    expect(check.metrics.discrete_equal).toBe(true);
    expect(paragraph).toContain('every discrete count');
  });
});
