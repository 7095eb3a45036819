/**
 * The answers runner (issue #14): on the lab pair (models/lab-base + models/lab-sft, onnxruntime-node), its
 * result per side equals what the answers code gives directly with the same settings (the old per-command
 * JSON: `scoreAnswers` + `answersAt`, `findFrame` for an own opener, `freeAnswers`), the re-tempered table
 * equals `answersAt` at each temperature; spec and result validate, survive a JSON round trip, and bad input
 * is refused with the JSON path. The CLI's `--print-spec` validates and its `--json` equals the runner's data.
 */
import { describe, expect, it } from 'vitest';
import { run as answersCli } from '../../cli/commands/answers';
import { answersAt, findFrame, freeAnswers, parseChoices, scoreAnswers } from '../answers';
import { dataErrorPath, LAB_PAIR_DIRS as MODELS, useLabPair } from '../testing/lab-pair';
import { answersHeadline, answersRunner, answersSpec, SLIDER_TEMPERATURES, type AnswersSettings, type AnswersSpec } from './answers';
import { runnerFor } from './registry';

const PROMPT = 'Simulate a six-sided die roll. The result is:';
const engines = useLabPair();

function settings(over: Partial<AnswersSettings> = {}): AnswersSettings {
  return {
    sides: ['base', 'tuned'],
    templates: { base: 'none', tuned: 'chat' },
    choices: '1..6',
    prefix: ' ',
    suffixes: { base: '', tuned: '' },
    frames: { base: { mode: 'typed', text: ' No.' }, tuned: { mode: 'auto', text: '' } },
    temperature: 1,
    temperatures: [0.5, 2.25],
    free: null,
    preset: 'd6',
    ...over,
  };
}

function spec(over: Partial<AnswersSettings> = {}, seed = 0): AnswersSpec {
  return answersSpec({
    models: { base: { repo: MODELS.base, revision: null, dtype: null, backend: 'node' }, tuned: { repo: MODELS.tuned, revision: null, dtype: null, backend: 'node' } },
    prompt: PROMPT,
    seed,
    settings: settings(over),
  });
}

describe('answers runner', () => {
  it('is registered; each side equals scoreAnswers + answersAt (typed frame, own opener), re-tempered exactly', async () => {
    expect(runnerFor('answers')).toBe(answersRunner);
    const s = spec();
    const r = await answersRunner.run(s, { engines });
    const choices = parseChoices('1..6');
    for (const side of ['base', 'tuned'] as const) {
      const e = engines[side]!;
      const ctx = await e.encode(PROMPT, s.settings.templates[side]!);
      const own = side === 'tuned' ? await findFrame(e, ctx, choices, { prefix: ' ', suffix: '' }) : null;
      const frame = own ? own.frame : await e.encodeContinuation(' No.');
      const scores = await scoreAnswers(e, ctx, choices, { prefix: ' ', suffix: '', frame });
      const ref = answersAt(scores, 1);
      const d = r.data[side]!;
      // the old `lab answers --json` fields, exactly
      expect(d.context).toEqual(ctx);
      expect(d.frame).toEqual({ text: await e.decode(frame), ids: frame, found: own ? 'greedy' : 'typed', ...(own ? { greedy: await e.decode(own.greedy) } : {}) });
      expect(d.choices).toEqual(ref.choices.map((c) => ({ text: c.text, ids: c.ids, logp: c.logp, prob: c.prob, prob_exclusive: c.prob_exclusive, share: c.share })));
      expect([d.temperature, d.mass, d.normalized, d.warnings]).toEqual([1, ref.mass, ref.normalized, ref.warnings]);
      expect('free' in d).toBe(false);
      expect(d.ambiguity).toEqual(scores.warnings);
      expect(d.tempered.map((t) => t.temperature)).toEqual([0.5, 2.25]);
      for (const t of d.tempered) {
        const at = answersAt(scores, t.temperature);
        expect(t.prob).toEqual(at.choices.map((c) => c.prob));
        expect(t.share).toEqual(at.choices.map((c) => c.share));
        expect([t.mass, t.normalized]).toEqual([at.mass, at.normalized]);
      }
    }
    expect(answersRunner.validateResult(JSON.parse(JSON.stringify(r)))).toEqual(r);
    expect(answersRunner.validateSpec(JSON.parse(JSON.stringify(s)))).toEqual(s);
    const h = answersHeadline(r.data);
    expect(h['base.entropy']).toBe(r.data.base!.normalized.entropy);
    expect(h['tuned.top1_share']).toBe(r.data.tuned!.normalized.top1.prob);
    expect(h['tuned.free_other']).toBeNull();
    expect(answersRunner.title(s)).toMatch(/6 candidates/);
  });

  it('free answers equal freeAnswers with the spec seed and temperature', async () => {
    const s = spec({ sides: ['tuned'], templates: { tuned: 'chat' }, suffixes: { tuned: '' }, frames: { tuned: { mode: 'typed', text: '' } }, temperature: 1.5, temperatures: [], free: { samples: 3, max_tokens: 6, regex: '(\\d+)' } }, 9);
    const r = await answersRunner.run(s, { engines });
    const e = engines.tuned!;
    const mine = await freeAnswers(e, await e.encode(PROMPT, 'chat'), parseChoices('1..6'), { samples: 3, maxTokens: 6, seed: 9, temperature: 1.5, regex: /(\d+)/u });
    expect(r.data.tuned!.free).toEqual(mine);
    expect(r.data.tuned!.frame.found).toBe('none');
    expect(answersRunner.validateResult(JSON.parse(JSON.stringify(r)))).toEqual(r);
  });

  it('refuses bad specs and results with the path of the offending value', () => {
    const good = JSON.parse(JSON.stringify(spec()));
    const bad = (f: (x: Record<string, any>) => void) => {
      const x = structuredClone(good);
      f(x);
      return dataErrorPath(() => answersRunner.validateSpec(x));
    };
    expect(bad((x) => (x.settings.choices = '6..1'))).toBe('spec.settings.choices');
    expect(bad((x) => (x.settings.temperature = 0))).toBe('spec.settings.temperature');
    expect(bad((x) => (x.settings.temperatures = [1, -2]))).toBe('spec.settings.temperatures[1]');
    expect(bad((x) => (x.settings.frames.tuned = { mode: 'auto', text: 'x' }))).toBe('spec.settings.frames.tuned.text');
    expect(bad((x) => (x.settings.free = { samples: 1, max_tokens: 1, regex: '(' }))).toBe('spec.settings.free.regex');
    expect(bad((x) => (x.settings.free = { samples: 0, max_tokens: 1, regex: null }))).toBe('spec.settings.free.samples');
    expect(bad((x) => delete x.settings.suffixes.base)).toBe('spec.settings.suffixes.base');
    expect(bad((x) => (x.settings.templates.base = 'alpaca'))).toBe('spec.settings.templates.base');
    expect(bad((x) => (x.settings.sides = []))).toBe('spec.settings.sides');
    expect(bad((x) => (x.models.base.dtype = 'fp64'))).toBe('spec.models.base.dtype');
    const result = { kind: 'answers', version: 1, data: { base: { context: [1], frame: { text: '', ids: [], found: 'none' }, temperature: 1, choices: [{ text: 'a', ids: [1], logp: -1, prob: 2, prob_exclusive: 0.3, share: 1 }] } } };
    expect(dataErrorPath(() => answersRunner.validateResult(result))).toBe('result.data.base.choices[0].prob');
    expect(dataErrorPath(() => answersRunner.validateResult({ ...result, version: 7 }))).toBe('result.version');
  });
});

describe('lab answers and the runner', () => {
  async function cli(args: string[]): Promise<string> {
    const out: string[] = [];
    await answersCli(args, { out: (l) => out.push(l), err: () => {} });
    return out.join('\n');
  }
  const flags = ['--model', MODELS.base, '--prompt', PROMPT, '--choices', '1..6', '--prefix', ' ', '--frame', 'auto', '--free', '2', '--max-tokens', '4', '--seed', '4', '--temperature', '0.8'];

  it('--print-spec prints a valid spec and runs nothing; --json equals runner.run(spec).data', async () => {
    const printed = JSON.parse(await cli([...flags, '--print-spec']));
    const s = answersRunner.validateSpec(printed);
    expect(s.settings).toMatchObject({ sides: ['base'], frames: { base: { mode: 'auto', text: '' } }, free: { samples: 2, max_tokens: 4, regex: null }, temperature: 0.8, temperatures: [] });
    expect(s.seed).toBe(4);
    const json = JSON.parse(await cli([...flags, '--json']));
    expect(json).toEqual((await answersRunner.run(s, { engines })).data);
    expect(Object.keys(json.base)).toEqual(expect.arrayContaining(['context', 'frame', 'temperature', 'choices', 'mass', 'normalized', 'warnings', 'free']));
    expect(SLIDER_TEMPERATURES).toHaveLength(59);
    expect([SLIDER_TEMPERATURES[0], SLIDER_TEMPERATURES[18], SLIDER_TEMPERATURES.at(-1)]).toEqual([0.1, 1, 3]);
  });
});
