/**
 * The check every logits row passes before anything uses it (issue #16, #15.3): NaN or ±Infinity
 * values, or a row whose values are all equal (all zero is what a WebGPU kernel that failed validation
 * leaves behind), are never real model output. A softmax of such a row would show "certainty"
 * (NaN → entropy 0) or a perfectly uniform distribution as if the model had computed it.
 */
import type { NumericalProblem } from './errors';

export function rowProblem(data: Float32Array, offset: number, length: number): { problem: NumericalProblem; count: number } | null {
  let nan = 0;
  let inf = 0;
  const first = data[offset]!;
  let constant = true;
  for (let i = offset; i < offset + length; i++) {
    const x = data[i]!;
    if (x !== x) nan++;
    else if (x === Infinity || x === -Infinity) inf++;
    if (x !== first) constant = false;
  }
  if (nan) return { problem: 'nan', count: nan };
  if (inf) return { problem: 'inf', count: inf };
  if (constant && length > 1) return { problem: 'constant', count: length };
  return null;
}
