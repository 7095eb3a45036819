/**
 * The defaults the compare and sweep views start from, in one DOM-free place so that tests run them on
 * every sibling of the lab-grown family (src/lab/family-presets.test.ts). They mirror the views' own
 * constants (src/ui/views/compare-view.ts DEFAULT_PROMPT and state defaults, sweep-view.ts DEFAULTS); the
 * templates are not here: they follow the model (src/lab/templates.ts).
 */
export const COMPARE_DEFAULTS = {
  prompt: 'Are bugs real?',
  /** what a base that is not chat-tuned reads */
  plainBaseTemplate: 'urial',
  maxTokens: 48,
  samples: 16,
  seed: 0,
} as const;

export const SWEEP_DEFAULTS = {
  prompt: 'Pick a random number between 1 and 100.',
  grid: '0.1..2 step 0.1',
  temps: '0.5, 1, 1.5',
  samples: 16,
  maxTokens: 16,
  seed: 0,
  regex: '(\\d+)',
} as const;
