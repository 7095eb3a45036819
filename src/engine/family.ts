/**
 * The lab-grown family served with the site (models/lab-base, models/lab-sft, models/lab-rl; built by
 * models/train/build.py). Any two of them can be the pair. `lab-tuned`, the name of the old tuned model,
 * is an alias of lab-sft so that old links and commands keep working (an alias here, not a copied folder).
 * DOM-free: used by the page (params, pair chooser, views) and the CLI.
 */

export type LabName = 'lab-base' | 'lab-sft' | 'lab-rl';

export interface LabSibling {
  name: LabName;
  label: string;
  /** what it is, one line */
  blurb: string;
  /** extra files in its folder that the page can show */
  shows: { file: string; what: string }[];
  /** chat template by default (the tuned siblings) */
  chat: boolean;
}

export const LAB_FAMILY: readonly LabSibling[] = [
  { name: 'lab-base', label: 'lab-base', blurb: 'pre-trained on the Brown corpus and WordNet definitions', shows: [], chat: false },
  {
    name: 'lab-sft',
    label: 'lab-sft',
    blurb: 'lab-base after supervised fine-tuning on a diverse generated chat corpus',
    shows: [
      { file: 'tuning-corpus.jsonl', what: 'tuning corpus' },
      { file: 'held-out-prompts.json', what: 'held-out prompts' },
    ],
    chat: true,
  },
  {
    name: 'lab-rl',
    label: 'lab-rl',
    blurb: 'lab-sft after policy-gradient RL against a style reward (with a KL penalty to lab-sft)',
    shows: [
      { file: 'reward.json', what: 'reward' },
      { file: 'rl-training.json', what: 'RL training curve' },
    ],
    chat: true,
  },
];

/** Old names that still work. */
export const LAB_ALIASES: Readonly<Record<string, LabName>> = { 'lab-tuned': 'lab-sft' };

/** `lab-base`, `lab-sft`, `lab-rl` or an alias (`lab-tuned`) -> the sibling's name; anything else -> null. */
export function labName(s: string): LabName | null {
  const t = s.trim();
  if (LAB_FAMILY.some((m) => m.name === t)) return t as LabName;
  return LAB_ALIASES[t] ?? null;
}

/** The folder URL the page loads a sibling from. */
export function labUrl(name: LabName): string {
  return `./models/${name}/`;
}

/**
 * A page source (`?base=` / `?tuned=` value) with family names and aliases resolved: `lab-rl` ->
 * `./models/lab-rl/`, `lab-tuned` and `./models/lab-tuned/` -> `./models/lab-sft/`. Other sources unchanged.
 */
export function resolveLabSource(source: string): string {
  const s = source.trim();
  const direct = labName(s);
  if (direct) return labUrl(direct);
  const m = /^(?:\.\/|\/)?models\/([\w-]+)\/?$/.exec(s);
  if (m) {
    const n = labName(m[1]);
    if (n) return labUrl(n);
  }
  return source;
}

/** The sibling a page source points at, or null when it is not one of the family. */
export function labSiblingOf(source: string): LabSibling | null {
  const r = resolveLabSource(source);
  return LAB_FAMILY.find((m) => labUrl(m.name) === r) ?? null;
}

/**
 * The pair of the family that makes each view's point best, shown next to the view's presets
 * (`<family-hint>`): mode collapse of random answers is sharpest between the SFT and RL siblings (the
 * seed's claim is that RL narrows more than SFT); what fine-tuning did token by token, and injection
 * recovery, compare the base with a tuned sibling.
 */
export const FAMILY_VIEW_PAIRS: Readonly<Record<string, { base: LabName; tuned: LabName; why: string }>> = {
  answers: { base: 'lab-sft', tuned: 'lab-rl', why: 'RL against a reward that never mentions numbers vs the SFT model it started from' },
  compare: { base: 'lab-base', tuned: 'lab-sft', why: 'what supervised fine-tuning moved, token by token' },
  inject: { base: 'lab-base', tuned: 'lab-rl', why: 'recovery from an injection before and after the whole tuning chain' },
};
