/**
 * TEST-ONLY. The lab pair (models/lab-base + models/lab-sft on onnxruntime-node) loaded once for the tests
 * of a file (or of the `describe` it is called in), and the JSON path of an ExperimentDataError.
 */
import { resolve } from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import type { LabEngine } from '../../engine/engine';
import { createNodeEngine } from '../../engine/node';
import { ExperimentDataError } from '../experiments/types';

/** The lab pair's model folders (absolute). */
export const LAB_PAIR_DIRS = { base: resolve('models/lab-base'), tuned: resolve('models/lab-sft') } as const;

export interface LabPair {
  base: LabEngine;
  tuned: LabEngine;
}

/**
 * Loads the lab pair before the tests (base first, then tuned) and disposes of it after them. The returned
 * object holds the engines once loaded (it is a RunContext's `engines`); `onLoad` is called with it then
 * (for files that keep the engines in their own variables).
 */
export function useLabPair(onLoad?: (pair: LabPair) => void): LabPair {
  const pair = {} as LabPair;
  beforeAll(async () => {
    pair.base = createNodeEngine('node');
    pair.tuned = createNodeEngine('node');
    await pair.base.load(LAB_PAIR_DIRS.base);
    await pair.tuned.load(LAB_PAIR_DIRS.tuned);
    onLoad?.(pair);
  });
  afterAll(async () => {
    await pair.base?.dispose();
    await pair.tuned?.dispose();
  });
  return pair;
}

/** The ExperimentDataError's path when `f` throws one (the test fails when it throws anything else, or nothing). */
export function dataErrorPath(f: () => unknown): string {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(ExperimentDataError);
    return (err as ExperimentDataError).path;
  }
  throw new Error('did not throw');
}
