import type { SequenceAttribution, Tensor } from '@inseq/core';

/** Σ of the finite values of step `s` of a `[length, steps, …]` tensor. */
export function stepSum(tensor: Tensor | null, s: number): number {
  if (!tensor) return 0;
  const [length, steps] = tensor.shape;
  const inner = tensor.shape.slice(2).reduce((a, b) => a * b, 1);
  let sum = 0;
  for (let p = 0; p < length; p++) {
    for (let i = 0; i < inner; i++) {
      const value = tensor.data[(p * steps + s) * inner + i];
      if (Number.isFinite(value)) sum += value;
    }
  }
  return sum;
}

/** The largest |Σ attributions| over the steps of a sequence: the scale its completeness deltas are measured on. */
export function attributionSumScale(sequence: SequenceAttribution): number {
  const steps = sequence.attr_pos_end - sequence.attr_pos_start;
  let scale = 0;
  for (let s = 0; s < steps; s++) {
    scale = Math.max(scale, Math.abs(stepSum(sequence.target_attributions, s) + stepSum(sequence.source_attributions, s)));
  }
  return scale;
}

/**
 * Completeness of one sequence: at every step, the reported delta = Σ attributions − (f(x) −
 * f(x′)) is within `tolerance` × |f(x) − f(x′)| (or `absolute`). Returns the problems found.
 */
export function completenessProblems(
  sequence: SequenceAttribution,
  options: { readonly stepScore: string; readonly tolerance: number; readonly absolute: number },
  label: string,
): string[] {
  const deltas = sequence.step_scores[options.stepScore];
  if (!deltas) {
    return [`${label}: no step score '${options.stepScore}' (the method promised completeness; pass the option that makes it report deltas)`];
  }
  const problems: string[] = [];
  for (let s = 0; s < deltas.data.length; s++) {
    const delta = deltas.data[s];
    const total = stepSum(sequence.target_attributions, s) + stepSum(sequence.source_attributions, s);
    const gain = total - delta;
    const allowed = Math.max(options.tolerance * Math.abs(gain), options.absolute);
    if (!(Math.abs(delta) <= allowed)) {
      problems.push(
        `${label}: step ${s}: Σ attributions ${total.toExponential(3)} vs f(x) − f(x′) ${gain.toExponential(3)} ` +
          `(|delta| ${Math.abs(delta).toExponential(2)} > ${allowed.toExponential(2)})`,
      );
    }
  }
  return problems;
}
