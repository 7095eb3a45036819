/**
 * Every kind's runner, by kind. The page, the worker side and the CLI (`lab run`, `lab batch`) look runners
 * up here; each kind's module exports its runner and adds one line below.
 */
import { answersRunner } from './answers';
import { compareRunner } from './compare';
import { injectRunner } from './inject';
import { sweepRunner } from './sweep';
import type { ExperimentKind, Runner } from './types';
import { loomRunner } from './loom';
import { nextTokenRunner } from './next-token';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const RUNNERS: Partial<Record<ExperimentKind, Runner<any, any, any>>> = {
  compare: compareRunner,
  sweep: sweepRunner,
  'next-token': nextTokenRunner,
  loom: loomRunner,
  inject: injectRunner,
  answers: answersRunner,
};

export function runnerFor(kind: ExperimentKind): Runner {
  const r = RUNNERS[kind];
  if (!r) throw new Error(`no runner for experiments of kind ${kind}`);
  return r as Runner;
}
