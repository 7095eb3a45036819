/** The answers view's slider positions are exactly the temperatures its runs re-temper at, and the lookup
 *  picks the result's own numbers (no recomputation). */
import { describe, expect, it } from 'vitest';
import { SLIDER_TEMPERATURES, type AnswersSide } from '../../../lab/experiments/answers';
import { atTemperature, sliderTemperature } from './answers-at';

const stats = (e: number) => ({ entropy: e, kl_uniform: 0, chi2: 0, top1: { text: 'a', prob: 0.5 } });
const side: AnswersSide = {
  context: [1],
  frame: { text: '', ids: [], found: 'none' },
  temperature: 1,
  choices: [
    { text: 'a', ids: [5], logp: -1, prob: 0.3, prob_exclusive: 0.3, share: 0.6 },
    { text: 'b', ids: [6], logp: -1.5, prob: 0.2, prob_exclusive: 0.2, share: 0.4 },
  ],
  mass: 0.5,
  normalized: stats(0.67),
  warnings: [],
  template: 'none',
  ambiguity: [],
  tempered: [
    { temperature: 0.5, prob: [0.4, 0.1], share: [0.8, 0.2], mass: 0.5, normalized: stats(0.5) },
    { temperature: 2.25, prob: [0.05, 0.04], share: [0.55, 0.45], mass: 0.09, normalized: stats(0.69) },
  ],
};

describe('answers view: temperatures', () => {
  it('every slider value is one of the re-tempered temperatures', () => {
    for (let x = -1; x < 4; x += 0.0137) expect(SLIDER_TEMPERATURES).toContain(sliderTemperature(x));
    for (const t of SLIDER_TEMPERATURES) expect(sliderTemperature(t)).toBe(t);
    expect([sliderTemperature(NaN), sliderTemperature(0.5), sliderTemperature(2.25), sliderTemperature(9)]).toEqual([1, 0.5, 2.25, 3]);
  });

  it('shows the result at its own temperature, or the stored re-tempering, as stored', () => {
    expect(atTemperature(side, 1)).toEqual({ temperature: 1, choices: side.choices, mass: 0.5, normalized: side.normalized });
    const at = atTemperature(side, 2.25);
    expect(at.temperature).toBe(2.25);
    expect(at.choices.map((c) => [c.text, c.prob, c.share])).toEqual([
      ['a', 0.05, 0.55],
      ['b', 0.04, 0.45],
    ]);
    expect(at.mass).toBe(0.09);
    // not held: the closest one held (a CLI run without the slider's grid shows its own temperature)
    expect(atTemperature(side, 0.6).temperature).toBe(0.5);
    expect(atTemperature({ ...side, tempered: [] }, 2).temperature).toBe(1);
  });
});
