/**
 * Every view's presets and defaults on every sibling of the lab-grown family (onnxruntime-node), run as
 * the views run them (src/lab functions, the templates of src/lab/templates.ts): the answers view's
 * ANSWER_PRESETS on each sibling on each side, the inject view's INJECT_PRESETS on each sibling, the
 * compare and sweep views' defaults (src/lab/view-defaults.ts) on the family's pairs, and the pair that
 * FAMILY_VIEW_PAIRS names for each view. They must run and give sane, finite numbers; and a chat-tuned
 * sibling on the base side reads its chat template (the template follows the model).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveModelSource } from '../cli/context';
import type { LabEngine } from '../engine/engine';
import { FAMILY_VIEW_PAIRS, LAB_FAMILY, type LabName } from '../engine/family';
import { createNodeEngine } from '../engine/node';
import { ANSWER_PRESETS, answersAt, findFrame, parseChoices, scoreAnswers, type AnswerPreset } from './answers';
import { compare } from './compare';
import { CleanRunEndedError, injectTrace, INJECT_DEFAULTS, INJECT_PRESETS, stopIdsFor } from './inject';
import { exactCurves, matchingTemperatureAlong, ownAnswers, parseTemperatures, sampleBatch, sweepMetrics } from './sweep';
import { defaultTemplate, isChatTuned, pairTemplates, presetFrame } from './templates';
import { COMPARE_DEFAULTS, SWEEP_DEFAULTS } from './view-defaults';

type Side = 'base' | 'tuned';
const engines = {} as Record<LabName, LabEngine>;
const NAMES = LAB_FAMILY.map((s) => s.name);

beforeAll(async () => {
  for (const n of NAMES) {
    engines[n] = createNodeEngine('node');
    await engines[n].load(resolveModelSource(n));
  }
}, 120_000);
afterAll(async () => {
  for (const e of Object.values(engines)) await e.dispose();
});

const finite = (x: number, what: string) => expect(Number.isFinite(x), `${what} = ${x}`).toBe(true);

/** The answers view's run of a preset on one side: its template, its frame, scored candidates at T = 1. */
async function runAnswerPreset(name: LabName, side: Side, p: AnswerPreset) {
  const e = engines[name];
  const template = await defaultTemplate(e, side);
  const choices = parseChoices(p.choices);
  const ctx = await e.encode(p.prompt, template);
  const want = presetFrame(p.frames, side, template);
  const frame = want === 'auto' ? (await findFrame(e, ctx, choices, { prefix: p.prefix, suffix: p.suffix })).frame : want ? await e.encodeContinuation(want) : [];
  const scores = await scoreAnswers(e, ctx, choices, { prefix: p.prefix, suffix: p.suffix, frame });
  return { template, choices, scores, frameText: await e.decode(frame) };
}

describe('templates follow the model', () => {
  it('the chat-tuned siblings read their chat template on either side; lab-base reads plain text', async () => {
    for (const sib of LAB_FAMILY) {
      expect(await isChatTuned(engines[sib.name]), sib.name).toBe(sib.chat);
      for (const side of ['base', 'tuned'] as const) expect(await defaultTemplate(engines[sib.name], side), `${sib.name} ${side}`).toBe(sib.chat ? 'chat' : 'none');
    }
    // SFT vs RL (the answers view's family pair): both sides chat; compare's plain base frame only for a pre-trained base
    expect(await pairTemplates(engines['lab-sft'], engines['lab-rl'], 'urial')).toEqual({ base: 'chat', tuned: 'chat' });
    expect(await pairTemplates(engines['lab-base'], engines['lab-sft'], 'urial')).toEqual({ base: 'urial', tuned: 'chat' });
    expect(await pairTemplates(engines['lab-rl'], engines['lab-base'], 'none')).toEqual({ base: 'chat', tuned: 'none' });
  });

  it('a chat-tuned base gets the tuned side\'s frame of a preset, a pre-trained base its own', () => {
    const d6 = ANSWER_PRESETS.find((p) => p.id === 'd6')!;
    expect(presetFrame(d6.frames, 'base', 'chat')).toBe(d6.frames.tuned);
    expect(presetFrame(d6.frames, 'base', 'none')).toBe(d6.frames.base);
    expect(presetFrame(d6.frames, 'tuned', 'none')).toBe(d6.frames.tuned);
  });
});

describe('the answers view\'s presets on every sibling, on either side', () => {
  for (const name of NAMES) {
    for (const side of ['base', 'tuned'] as const) {
      it(`${name} as ${side}`, async () => {
        for (const p of ANSWER_PRESETS) {
          const { choices, scores } = await runAnswerPreset(name, side, p);
          expect(scores.texts, p.id).toEqual(choices);
          for (const T of [0.5, 1, 2]) {
            const r = answersAt(scores, T);
            expect(r.choices).toHaveLength(choices.length);
            for (const c of r.choices) {
              finite(c.logp, `${p.id} logp(${c.text})`);
              expect(c.prob).toBeGreaterThanOrEqual(0);
              expect(c.prob).toBeLessThanOrEqual(1);
            }
            finite(r.mass, `${p.id} mass`);
            expect(r.mass, p.id).toBeGreaterThan(0);
            expect(r.mass, p.id).toBeLessThanOrEqual(1 + 1e-9);
            expect(r.choices.reduce((s, c) => s + c.share, 0), p.id).toBeCloseTo(1, 9);
            expect(r.normalized.entropy).toBeGreaterThanOrEqual(-1e-12);
            expect(r.normalized.entropy).toBeLessThanOrEqual(Math.log(choices.length) + 1e-9);
          }
        }
      }, 120_000);
    }
  }

  it(`the family pair of the answers view (${FAMILY_VIEW_PAIRS['answers']!.base} vs ${FAMILY_VIEW_PAIRS['answers']!.tuned}): every preset runs, both sides in the chat template`, async () => {
    const pair = FAMILY_VIEW_PAIRS['answers']!;
    for (const p of ANSWER_PRESETS) {
      const b = await runAnswerPreset(pair.base, 'base', p);
      const t = await runAnswerPreset(pair.tuned, 'tuned', p);
      expect([b.template, t.template]).toEqual(['chat', 'chat']);
      const rb = answersAt(b.scores, 1);
      const rt = answersAt(t.scores, 1);
      finite(rb.normalized.entropy - rt.normalized.entropy, `${p.id} entropy difference`);
    }
  }, 120_000);
});

describe('the inject view\'s presets on every sibling', () => {
  for (const name of NAMES) {
    it(name, async () => {
      const e = engines[name];
      for (const p of INJECT_PRESETS) {
        const ctx = await e.encode(p.prompt, p.template);
        const stopIds = await stopIdsFor(e, p.template);
        const steps = 16; // the view's default
        // greedy (the view's default mode): must run
        const o = { afterTokens: p.afterTokens, injection: p.injection, steps, threshold: INJECT_DEFAULTS.threshold, stopIds };
        const runs = [await injectTrace(e, ctx, o)];
        // sampled (the view's 8 runs): a run whose clean answer ends before K is skipped, as the view does
        let skipped = 0;
        for (let seed = 0; seed < 8; seed++) {
          try {
            runs.push(await injectTrace(e, ctx, { ...o, seed }));
          } catch (err) {
            expect(err, `${p.id} seed ${seed}`).toBeInstanceOf(CleanRunEndedError);
            skipped++;
          }
        }
        expect(skipped, `${p.id}: sampled runs skipped`).toBeLessThanOrEqual(4);
        for (const r of runs) {
          expect(r.clean.continuation.length, p.id).toBeGreaterThanOrEqual(p.afterTokens);
          expect(r.trace.length, p.id).toBeGreaterThan(0);
          expect(r.trace.length, p.id).toBeLessThanOrEqual(steps);
          expect(r.trace[0]!.kl, `${p.id}: the clean run goes on past the injection`).not.toBeNull();
          for (const pt of r.trace) {
            finite(pt.p_end, `${p.id} p_end`);
            for (const kl of [pt.kl, pt.kl_aligned]) {
              if (kl === null) continue; // the clean run had stopped there
              finite(kl, `${p.id} kl`);
              expect(kl, p.id).toBeGreaterThanOrEqual(-1e-9);
            }
          }
          if (r.recovery_step !== null) expect(r.recovery_step).toBeLessThan(steps);
          expect(['recovered', 'ended', 'diverged']).toContain(r.outcome);
        }
      }
    }, 180_000);
  }
});

describe('the compare view\'s defaults on the family\'s pairs', () => {
  const pairs: [LabName, LabName][] = [
    [FAMILY_VIEW_PAIRS['compare']!.base, FAMILY_VIEW_PAIRS['compare']!.tuned],
    ['lab-sft', 'lab-rl'],
    ['lab-base', 'lab-rl'],
  ];
  for (const [b, t] of pairs) {
    it(`${b} vs ${t}`, async () => {
      const templates = await pairTemplates(engines[b], engines[t], COMPARE_DEFAULTS.plainBaseTemplate);
      const r = await compare({
        base: engines[b],
        tuned: engines[t],
        prompt: COMPARE_DEFAULTS.prompt,
        baseTemplate: templates.base,
        tunedTemplate: templates.tuned,
        maxTokens: COMPARE_DEFAULTS.maxTokens,
        samples: COMPARE_DEFAULTS.samples,
        seed: COMPARE_DEFAULTS.seed,
      });
      expect(r.templates).toEqual(templates);
      expect(r.positions.length).toBeGreaterThan(0);
      expect(r.positions.length).toBe(r.response_tokens.length);
      const s = r.summary;
      expect(s.unshifted + s.marginal + s.shifted).toBeCloseTo(1, 9);
      for (const [k, v] of Object.entries({ mean_kl: s.mean_kl, bf_b: s.branching_factor_base, bf_t: s.branching_factor_tuned, gamma: s.gamma, mean_kl_sharpened: s.mean_kl_sharpened })) finite(v, k);
      expect(s.mean_kl).toBeGreaterThanOrEqual(0);
      for (const v of [s.bf_on_policy_base, s.bf_on_policy_tuned, s.bf_nudged_base]) {
        expect(v).not.toBeNull();
        finite(v!, 'on-policy branching');
        expect(v!).toBeGreaterThanOrEqual(1);
      }
      // compare() without templates picks the same ones (the CLI's default)
      const again = await compare({ base: engines[b], tuned: engines[t], prompt: COMPARE_DEFAULTS.prompt, responseIds: r.response_tokens.map((x) => x.id), samples: 0 });
      expect(again.templates).toEqual({ base: templates.base === 'urial' ? 'none' : templates.base, tuned: templates.tuned });
    }, 180_000);
  }
});

describe('the sweep view\'s defaults on every sibling, and the matching temperature on the family\'s pairs', () => {
  const grid = parseTemperatures(SWEEP_DEFAULTS.grid);
  const temps = parseTemperatures(SWEEP_DEFAULTS.temps);
  const own: Partial<Record<LabName, Float32Array[]>> = {};
  for (const name of NAMES) {
    it(name, async () => {
      const e = engines[name];
      const ctx = await e.encode(SWEEP_DEFAULTS.prompt, await defaultTemplate(e, name === 'lab-base' ? 'base' : 'tuned'));
      const o = { samples: SWEEP_DEFAULTS.samples, maxTokens: SWEEP_DEFAULTS.maxTokens, seed: SWEEP_DEFAULTS.seed };
      const greedy = (await sampleBatch(e, ctx, 0, -1, { ...o, samples: 1 })).samples[0]!;
      const curves = await exactCurves(e, ctx, greedy, grid);
      expect(curves.points).toHaveLength(grid.length);
      for (const pt of curves.points) {
        finite(pt.entropy_first, `H(T=${pt.temperature})`);
        expect(pt.top1_mass).toBeLessThanOrEqual(pt.top5_mass + 1e-12);
      }
      // entropy of the first distribution grows with T
      for (let i = 1; i < grid.length; i++) expect(curves.points[i]!.entropy_first).toBeGreaterThanOrEqual(curves.points[i - 1]!.entropy_first - 1e-9);
      const mine = await ownAnswers(e, ctx, o);
      expect(mine.rows.length).toBeGreaterThan(0);
      own[name] = mine.rows;
      for (const [j, t] of temps.entries()) {
        const r = await sampleBatch(e, ctx, t, j, o);
        expect(r.samples).toHaveLength(SWEEP_DEFAULTS.samples);
        const m = sweepMetrics(r.samples, r.entropies, r.logps);
        for (const [k, v] of Object.entries(m)) if (typeof v === 'number') finite(v, `${name} T=${t} ${k}`);
      }
    }, 180_000);
  }
  for (const [b, t] of [['lab-base', 'lab-sft'], ['lab-sft', 'lab-rl'], ['lab-base', 'lab-rl']] as [LabName, LabName][]) {
    it(`matching temperature ${b} vs ${t}`, () => {
      expect(own[b] && own[t], 'the per-sibling runs above').toBeTruthy();
      const m = matchingTemperatureAlong(own[b]!, own[t]!, Math.min(...grid), Math.max(...grid));
      finite(m.target, 'target entropy');
      if (m.temperature !== null) {
        expect(m.temperature).toBeGreaterThanOrEqual(Math.min(...grid));
        expect(m.temperature).toBeLessThanOrEqual(Math.max(...grid));
      }
    });
  }
});
