/** Which of a result's distributions the answers view shows at the slider's temperature (a lookup, no math). */
import type { NormalizedStats } from '../../../lab/answers';
import type { AnswersSide } from '../../../lab/experiments/answers';

/** One side's distribution at one temperature, as the result holds it. */
export interface SideAtT {
  temperature: number;
  choices: { text: string; ids: number[]; prob: number; share: number }[];
  mass: number;
  normalized: NormalizedStats;
}

/** The side's distribution at `t`: the result's own temperature, or the re-tempering closest to `t` (the
 *  page's runs hold one per slider position, so this is `t` itself). */
export function atTemperature(d: AnswersSide, t: number): SideAtT {
  const exact = d.tempered.find((x) => x.temperature === t);
  if (!exact && (d.temperature === t || !d.tempered.length)) return { temperature: d.temperature, choices: d.choices, mass: d.mass, normalized: d.normalized };
  const x = exact ?? d.tempered.reduce((a, b) => (Math.abs(b.temperature - t) < Math.abs(a.temperature - t) ? b : a));
  return { temperature: x.temperature, choices: d.choices.map((c, i) => ({ text: c.text, ids: c.ids, prob: x.prob[i]!, share: x.share[i]! })), mass: x.mass, normalized: x.normalized };
}


/** The slider's value for `t`: within [0.1, 3], on its 0.05 grid — one of SLIDER_TEMPERATURES, the
 *  temperatures a run of this view re-tempers at. */
export function sliderTemperature(t: number): number {
  if (!Number.isFinite(t)) return 1;
  return Math.round(Math.round(Math.min(3, Math.max(0.1, t)) * 20) * 5) / 100;
}
