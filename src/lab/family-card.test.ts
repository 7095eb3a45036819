/**
 * Every number of the lab-grown family's model cards (models/lab-*\/README.md) and of the README's family
 * table, recomputed here on onnxruntime-node from the committed ONNX weights, and compared with the cards.
 *
 * - Deterministic numbers (held-out bits per byte over the build's 192 windows of 128 tokens, number
 *   preferences in text, greedy answers): recomputed outright. Tolerance 1e-5 on bits per byte and
 *   entropies: the same float32 weights, sums in another order (torch vs onnxruntime), i.e. ~1e-7 relative.
 * - Sampled numbers (answer distributions, on-policy entropy, branching factor, temperature to reach the
 *   base's entropy): the build sampled with torch.multinomial, whose draws no other runtime can replay, so
 *   `models/train/samples.py` re-ran the build's measurements on the ONNX-loaded weights with the build's
 *   seeds, checked that they reproduce family-metrics.json, and recorded every draw
 *   (models/train/family-samples.json). Here each draw is scored by the ONNX model: the entropies along it
 *   are recomputed (mean over draws, compared to 1e-5), its text is decoded and parsed into answer counts
 *   (compared exactly). That the draws are this model's own samples at T is checked statistically: along
 *   samples from p, the mean surprisal -log p(token) equals the mean entropy up to sampling noise (|z| < 5
 *   with the summed varentropy as the variance).
 * - Not recomputable: the RL run without KL (not exported), stage 1 of lab-base (the previous release's
 *   weights, in git history), training times and curves.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveModelSource } from '../cli/context';
import type { LabEngine } from '../engine/engine';
import { LAB_FAMILY } from '../engine/family';
import { createNodeEngine } from '../engine/node';
import { familyFigures, figuresTable, type FigureRow } from './family-figures';
import { generate } from './generate';

interface AnswerStats {
  prompts: string[];
  counts: Record<string, number>;
  valid: number;
  total: number;
  entropy_bits: number;
  uniform_bits: number;
  top_share: number | null;
  examples: string[];
}
interface SiblingEval {
  bpb_brown: number;
  bpb_wordnet: number;
  knowledge: { rows: { correct: boolean }[] };
  number_text: { prefix: string; dist: Record<string, number>; mass_covered: number; entropy_bits: number; uniform_bits: number }[];
  answers: Record<'number' | 'dice' | 'coin', AnswerStats>;
  onpolicy: Record<string, { entropy_nats: number; branching: number; positions: number }>;
  temperature_to_base_entropy?: number | null;
  greedy: Record<string, string>;
  greedy_text: Record<string, string>;
}
interface Metrics {
  eval: Record<string, SiblingEval>;
}
interface Group {
  kind?: 'number' | 'dice' | 'coin';
  prompt: string;
  ids: number[][];
  finished: string;
}
interface Samples {
  bpb: { windows: number; ctx: number; eot: number; documents: Record<'brown' | 'wordnet', string[]> };
  answers: { n_per_prompt: number; number_range: [number, number] };
  onpolicy: { k: number; max_new: number };
  siblings: Record<string, { answers: Group[]; onpolicy: Record<string, Group[]> }>;
}

const metrics = JSON.parse(readFileSync('models/train/family-metrics.json', 'utf8')) as Metrics;
const samples = JSON.parse(readFileSync('models/train/family-samples.json', 'utf8')) as Samples;
const tokenizer = JSON.parse(readFileSync('models/lab-base/tokenizer.json', 'utf8')) as {
  model: { vocab: Record<string, number> };
  added_tokens: { id: number }[];
};
const README = readFileSync('README.md', 'utf8');
const FIGURES_FILE = JSON.parse(readFileSync('models/train/family-lab-figures.json', 'utf8')) as { rows: FigureRow[] };
const HELD = JSON.parse(readFileSync('models/lab-sft/held-out-prompts.json', 'utf8')) as { prompts: Record<string, string[]> };
const figureRows: FigureRow[] = [];
const CARDS = Object.fromEntries(LAB_FAMILY.map((s) => [s.name, readFileSync(`models/${s.name}/README.md`, 'utf8')]));
const COLUMNS = ['lab-base', 'lab-sft', 'lab-rl', 'lab-rl-nokl'] as const;
const EOT = 0;
const IM_END = 2;
const EOS: Record<string, number[]> = { 'lab-base': [EOT], 'lab-sft': [IM_END, EOT], 'lab-rl': [IM_END, EOT] };

/** UTF-8 bytes of each token id: byte-level BPE writes one character per byte; specials have none. */
const TOKEN_BYTES = (() => {
  const out = new Float64Array(4096);
  for (const [t, id] of Object.entries(tokenizer.model.vocab)) out[id] = [...t].length;
  for (const a of tokenizer.added_tokens) out[a.id] = 0;
  return out;
})();

const chatPrompt = (q: string) => `<|im_start|>user\n${q}<|im_end|>\n<|im_start|>assistant\n`;

/** log-softmax of one logits row scaled by 1/T (float64). */
function logSoftmax(row: Float32Array, T = 1): Float64Array {
  const out = new Float64Array(row.length);
  let max = -Infinity;
  for (let i = 0; i < row.length; i++) max = Math.max(max, row[i]! / T);
  let sum = 0;
  for (let i = 0; i < row.length; i++) sum += Math.exp(row[i]! / T - max);
  const lse = max + Math.log(sum);
  for (let i = 0; i < row.length; i++) out[i] = row[i]! / T - lse;
  return out;
}

/** Entropy and varentropy (variance of the surprisal) of a log-distribution, nats. */
function entropyOf(lp: Float64Array): { h: number; v: number } {
  let h = 0;
  let s2 = 0;
  for (const l of lp) {
    if (l === -Infinity) continue;
    const p = Math.exp(l);
    h -= p * l;
    s2 += p * l * l;
  }
  return { h, v: Math.max(0, s2 - h * h) };
}

/** The build's parse_answer: heads/tails (coin) or the first integer of the answer. */
function parseAnswer(kind: string, text: string): string | null {
  const t = text.toLowerCase();
  if (kind === 'coin') {
    const m = /(?<![\p{L}\p{N}_])(heads|tails)(?![\p{L}\p{N}_])/u.exec(t);
    return m ? m[1]! : null;
  }
  const m = /\d+/.exec(t);
  return m ? String(parseInt(m[0], 10)) : null;
}

/** The build's temperature_to_reach: linear interpolation on the measured grid. */
function temperatureToReach(curve: Record<string, number>, target: number): number | null {
  const pts = Object.entries(curve)
    .map(([t, h]) => [Number(t), h] as const)
    .sort((a, b) => a[0] - b[0]);
  if (pts[0]![1] >= target) return pts[0]![0];
  for (let i = 1; i < pts.length; i++) {
    const [t0, h0] = pts[i - 1]!;
    const [t1, h1] = pts[i]!;
    if (h1 >= target) return t0 + ((t1 - t0) * (target - h0)) / (h1 - h0);
  }
  return null;
}

/** cards.py's _f: fixed decimals, "—" for null. */
const f = (x: number | null | undefined, d = 2) => (x === null || x === undefined ? '—' : (Math.abs(x) >= 0.5 * 10 ** -d ? x : 0).toFixed(d));

/** What this test recomputes, per sibling; the card rows are rebuilt from it. */
interface Recomputed {
  bpb: Record<'brown' | 'wordnet', number>;
  answers: Record<string, { counts: Record<string, number>; valid: number; total: number; entropy_bits: number; top_share: number | null }>;
  onpolicy: Record<string, number>;
  temperature?: number | null;
}
const got: Record<string, Recomputed> = {};

const engines: LabEngine[] = [];
afterAll(async () => {
  for (const e of engines) await e.dispose();
});

describe('the model cards of the lab-grown family, recomputed from the committed weights', () => {
  for (const sib of LAB_FAMILY) {
    describe(sib.name, () => {
      const card = metrics.eval[sib.name]!;
      const drawn = samples.siblings[sib.name]!;
      const r: Recomputed = { bpb: { brown: NaN, wordnet: NaN }, answers: {}, onpolicy: {} };
      got[sib.name] = r;
      let engine: LabEngine;
      let V: number;
      beforeAll(async () => {
        engine = createNodeEngine('node');
        engines.push(engine);
        V = (await engine.load(resolveModelSource(sib.name))).vocabSize;
      });

      it('held-out bits per byte (Brown, WordNet): the first 192 windows of 128 tokens', { timeout: 300_000 }, async () => {
        const { windows, ctx, documents } = samples.bpb;
        for (const k of ['brown', 'wordnet'] as const) {
          const stream: number[] = [];
          for (const d of documents[k]) stream.push(...(await engine.encode(d, 'none')), samples.bpb.eot);
          const n = Math.min(windows, Math.floor((stream.length - 1) / ctx));
          expect(n, k).toBe(windows);
          let bits = 0;
          let bytes = 0;
          for (let w = 0; w < n; w++) {
            const x = stream.slice(w * ctx, w * ctx + ctx + 1);
            const { data } = await engine.score(x.slice(0, ctx));
            for (let t = 0; t < ctx; t++) {
              bits -= logSoftmax(data.subarray(t * V, (t + 1) * V))[x[t + 1]!]! / Math.LN2;
              bytes += TOKEN_BYTES[x[t + 1]!]!;
            }
          }
          r.bpb[k] = bits / bytes;
          expect(r.bpb[k], k).toBeGreaterThan(0.5);
          expect(Math.abs(r.bpb[k] - card[k === 'brown' ? 'bpb_brown' : 'bpb_wordnet']), k).toBeLessThan(1e-5);
        }
      });

      it('answer distributions of number / d6 / coin: the recorded draws decode to the card\'s counts', { timeout: 300_000 }, async () => {
        const [a, b] = samples.answers.number_range;
        const support: Record<string, string[]> = {
          number: Array.from({ length: b - a + 1 }, (_, i) => String(a + i)),
          dice: ['1', '2', '3', '4', '5', '6'],
          coin: ['heads', 'tails'],
        };
        let z = { s: 0, v: 0, n: 0 };
        for (const kind of ['number', 'dice', 'coin'] as const) {
          const groups = drawn.answers.filter((g) => g.kind === kind);
          expect(groups.map((g) => g.prompt)).toEqual(card.answers[kind].prompts);
          const counts: Record<string, number> = Object.fromEntries(support[kind]!.map((v) => [v, 0]));
          let total = 0;
          const texts: string[] = [];
          for (const g of groups) {
            expect(g.ids.length).toBe(samples.answers.n_per_prompt);
            const prompt = await engine.encode(chatPrompt(g.prompt), 'none');
            expect(await engine.encode(g.prompt, 'chat')).toEqual(prompt);
            for (const [j, ids] of g.ids.entries()) {
              const text = await engine.decode(ids);
              texts.push(text);
              total++;
              const v = parseAnswer(kind, text);
              if (v !== null && v in counts) counts[v]!++;
              z = addSurprisal(z, await alongDraw(engine, V, prompt, ids, g.finished[j] === '1', sib.name, 1));
            }
          }
          const valid = Object.values(counts).reduce((s, c) => s + c, 0);
          const ps = Object.values(counts).filter((c) => c > 0).map((c) => c / valid);
          const rec = {
            counts,
            valid,
            total,
            entropy_bits: -ps.reduce((s, p) => s + p * Math.log2(p), 0),
            top_share: valid ? Math.max(...Object.values(counts)) / valid : null,
          };
          r.answers[kind] = rec;
          const want = card.answers[kind];
          expect(rec.counts, kind).toEqual(want.counts);
          expect([rec.valid, rec.total], kind).toEqual([want.valid, want.total]);
          expect(rec.entropy_bits, kind).toBeCloseTo(want.entropy_bits, 12);
          if (want.top_share === null) expect(rec.top_share).toBeNull();
          else expect(rec.top_share!, kind).toBeCloseTo(want.top_share, 12);
          expect(texts.slice(0, want.examples.length), kind).toEqual(want.examples);
        }
        // the draws are this model's samples at T = 1
        expect(Math.abs(z.s / Math.sqrt(z.v)), `surprisal - entropy over ${z.n} positions`).toBeLessThan(5);
      });

      it('on-policy entropy, branching factor and the temperature to reach lab-base\'s entropy', { timeout: 300_000 }, async () => {
        const temps = Object.keys(card.onpolicy);
        expect(Object.keys(drawn.onpolicy).sort()).toEqual(temps.sort());
        for (const T of temps) {
          let sum = 0;
          let n = 0;
          let z = { s: 0, v: 0, n: 0 };
          for (const g of drawn.onpolicy[T]!) {
            expect(g.ids.length).toBe(samples.onpolicy.k);
            const prompt = await engine.encode(chatPrompt(g.prompt), 'none');
            for (const [j, ids] of g.ids.entries()) {
              expect(ids.length).toBeLessThanOrEqual(samples.onpolicy.max_new);
              const along = await alongDraw(engine, V, prompt, ids, g.finished[j] === '1', sib.name, Number(T));
              for (const p of along) sum += p.h;
              n += along.length;
              z = addSurprisal(z, along);
            }
          }
          expect(n, `T=${T} positions`).toBe(card.onpolicy[T]!.positions);
          r.onpolicy[T] = sum / n;
          expect(Math.abs(r.onpolicy[T] - card.onpolicy[T]!.entropy_nats), `T=${T}`).toBeLessThan(1e-5);
          expect(Math.abs(Math.exp(r.onpolicy[T]) / card.onpolicy[T]!.branching - 1), `T=${T} branching`).toBeLessThan(1e-5);
          expect(Math.abs(z.s / Math.sqrt(z.v)), `T=${T}: surprisal - entropy over ${z.n} positions`).toBeLessThan(5);
        }
        if (sib.name !== 'lab-base') {
          const target = got['lab-base']!.onpolicy['1.0'];
          expect(target, 'lab-base runs first').toBeDefined();
          r.temperature = temperatureToReach(r.onpolicy, target!);
          const want = card.temperature_to_base_entropy;
          if (want === null || want === undefined) expect(r.temperature).toBeNull();
          else expect(Math.abs(r.temperature! - want)).toBeLessThan(1e-4);
        }
      });

      it('greedy answers (held-out chat prompts and plain text) are the card\'s', { timeout: 120_000 }, async () => {
        for (const [table, chat] of [[card.greedy, true], [card.greedy_text, false]] as const) {
          for (const [q, want] of Object.entries(table)) {
            const ctx = await engine.encode(chat ? chatPrompt(q) : q, 'none');
            const g = await generate(engine, ctx, { maxTokens: 40, stopIds: EOS[sib.name]! });
            const ids = g.stopped === 'eos' ? g.ids.slice(0, -1) : g.ids;
            expect(await engine.decode(ids), q).toBe(want);
          }
        }
      });

      it('the lab\'s own figures (answers to a held-out number prompt, injection recovery): same seeds, same numbers', { timeout: 300_000 }, async () => {
        const row = await familyFigures(engine, sib.name, HELD.prompts);
        figureRows.push(row);
        const want = FIGURES_FILE.rows.find((x) => x.name === sib.name)!;
        // the same code on the same backend with the same seeds: equal up to float summation order (none here)
        expect(row.answers.top1).toBe(want.answers.top1);
        expect(row.inject.greedy_recovery).toBe(want.inject.greedy_recovery);
        expect(row.inject.sampled_recovered).toBe(want.inject.sampled_recovered);
        expect(row.inject.skipped).toBe(want.inject.skipped);
        expect([row.inject.runs, row.inject.sampled_ended, row.inject.sampled_mean_end_step]).toEqual([want.inject.runs, want.inject.sampled_ended, want.inject.sampled_mean_end_step]);
        expect(row.inject.sampled_mean_step).toBe(want.inject.sampled_mean_step);
        for (const [k, v] of Object.entries(row.answers)) if (typeof v === 'number') expect(v, k).toBeCloseTo((want.answers as Record<string, unknown>)[k] as number, 9);
        expect(row.inject.mean_kl).toBeCloseTo(want.inject.mean_kl, 9);
      });

      if (sib.name === 'lab-base') {
        it('number preferences in text (plain-text prompts)', async () => {
          for (const row of card.number_text) {
            const p = await engine.encode(row.prefix, 'none');
            const lps: Record<string, number> = {};
            for (const o of Object.keys(row.dist)) {
              const full = await engine.encode(`${row.prefix} ${o}`, 'none');
              const { data } = await engine.score(full);
              let s = 0;
              for (let t = p.length; t < full.length; t++) s += logSoftmax(data.subarray((t - 1) * V, t * V))[full[t]!]!;
              lps[o] = s;
            }
            const mass = Object.values(lps).reduce((s, l) => s + Math.exp(l), 0);
            expect(Math.abs(mass - row.mass_covered) / row.mass_covered, row.prefix).toBeLessThan(1e-4);
            let h = 0;
            for (const [o, l] of Object.entries(lps)) {
              const q = Math.exp(l) / mass;
              expect(Math.abs(q - row.dist[o]!), `${row.prefix} ${o}`).toBeLessThan(1e-5);
              h -= q * Math.log2(q);
            }
            expect(Math.abs(h - row.entropy_bits), row.prefix).toBeLessThan(1e-5);
            expect(row.uniform_bits).toBeCloseTo(Math.log2(Object.keys(row.dist).length), 12);
          }
        });
      }
    });
  }

  it('the README\'s figures table shows the recomputed figures', () => {
    expect(figureRows.map((r) => r.name)).toEqual(LAB_FAMILY.map((s) => s.name));
    expect(README).toContain(`<!-- family-figures:start -->\n${figuresTable(figureRows)}\n<!-- family-figures:end -->`);
  });

  it('the README family table and every model card show the recomputed numbers', () => {
    const e = (n: string) => metrics.eval[n]!;
    /** A row of the table; the RL run without KL is not exported: its cell is taken from the metrics. */
    const row = (label: string, cell: (n: (typeof COLUMNS)[number]) => string) => `| ${label} | ${COLUMNS.map(cell).join(' | ')} |`;
    const mine = (n: string) => n !== 'lab-rl-nokl';
    const bpb = (k: 'brown' | 'wordnet') => (n: (typeof COLUMNS)[number]) => f(mine(n) ? got[n]!.bpb[k] : e(n)[k === 'brown' ? 'bpb_brown' : 'bpb_wordnet'], 3);
    const ans = (n: (typeof COLUMNS)[number], k: string) => (mine(n) ? got[n]!.answers[k]! : e(n).answers[k as 'number']);
    const rows = [
      row('held-out Brown bits per byte', bpb('brown')),
      row('held-out WordNet bits per byte', bpb('wordnet')),
      ...(
        [
          ['number', 'random number 1-10'],
          ['dice', 'd6'],
          ['coin', 'coin'],
        ] as const
      ).flatMap(([k, label]) => [
        row(`${label}: answer entropy, bits (uniform ${f(e('lab-base').answers[k].uniform_bits)})`, (n) => (ans(n, k).valid ? f(ans(n, k).entropy_bits) : '—')),
        row(`${label}: top answer's share / valid answers`, (n) => `${f(ans(n, k).top_share)} / ${ans(n, k).valid} of ${ans(n, k).total}`),
      ]),
      row('on-policy entropy at T=1, nats/token', (n) => f(mine(n) ? got[n]!.onpolicy['1.0'] : e(n).onpolicy['1.0']!.entropy_nats, 3)),
      row('branching factor exp(entropy)', (n) => f(Math.exp(mine(n) ? got[n]!.onpolicy['1.0']! : e(n).onpolicy['1.0']!.entropy_nats))),
      row("temperature to reach lab-base's entropy", (n) => (n === 'lab-base' ? '—' : f(mine(n) ? got[n]!.temperature : e(n).temperature_to_base_entropy))),
    ];
    for (const sib of LAB_FAMILY) {
      expect(got[sib.name]!.onpolicy['1.0'], `${sib.name} was recomputed above`).toBeDefined();
    }
    for (const [where, text] of [['README.md', README], ...Object.entries(CARDS)] as const) {
      for (const r of rows) expect(text, where).toContain(r);
    }
  });
});

/** Per position along a draw (and at its end token when it finished): the entropy of the T-scaled
 *  distribution (what the card averages), and for the sampling check the surprisal of what was drawn there
 *  with the entropy and varentropy of the same distribution with the stop ids merged into one outcome (the
 *  recorded draws keep only that the draw stopped, not which stop id ended it). */
async function alongDraw(engine: LabEngine, V: number, prompt: number[], ids: number[], finished: boolean, name: string, T: number) {
  const stops = EOS[name]!;
  const { data } = await engine.score([...prompt, ...ids]);
  const out: { h: number; hc: number; vc: number; s: number }[] = [];
  const steps = ids.length + (finished ? 1 : 0);
  for (let i = 0; i < steps; i++) {
    const lp = logSoftmax(data.subarray((prompt.length - 1 + i) * V, (prompt.length + i) * V), T);
    const { h } = entropyOf(lp);
    const pStop = stops.reduce((a, id) => a + Math.exp(lp[id]!), 0);
    const coarse = Float64Array.from(lp);
    for (const id of stops) coarse[id] = -Infinity;
    coarse[stops[0]!] = Math.log(pStop);
    const { h: hc, v: vc } = entropyOf(coarse);
    expect(i === ids.length || !stops.includes(ids[i]!), 'a draw holds no stop id').toBe(true);
    out.push({ h, hc, vc, s: i < ids.length ? -lp[ids[i]!]! : -Math.log(pStop) });
  }
  return out;
}

function addSurprisal(z: { s: number; v: number; n: number }, along: { hc: number; vc: number; s: number }[]) {
  for (const p of along) z = { s: z.s + (p.s - p.hc), v: z.v + p.vc, n: z.n + 1 };
  return z;
}
