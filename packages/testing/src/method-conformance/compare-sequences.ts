import type { SequenceAttribution, Tensor } from '@inseq/core';

/**
 * The first difference between one tensor and its reference, or `undefined` when they agree:
 * same shape, NaN at the same places, and |a − b| ≤ tolerance × the reference's largest finite
 * magnitude, or `floor` when larger (tolerance 0: bit-identical values).
 */
export function tensorDifference(actual: Tensor, reference: Tensor, tolerance: number, floor = 0): string | undefined {
  if (actual.shape.join() !== reference.shape.join()) return `shape [${actual.shape.join(', ')}] vs [${reference.shape.join(', ')}]`;
  let scale = floor;
  for (const v of reference.data) if (Number.isFinite(v)) scale = Math.max(scale, Math.abs(v));
  const allowed = tolerance * scale;
  let worst = -1;
  let worstAt = -1;
  for (let i = 0; i < reference.data.length; i++) {
    const [a, b] = [actual.data[i], reference.data[i]];
    if (Number.isNaN(a) || Number.isNaN(b)) {
      if (Number.isNaN(a) !== Number.isNaN(b)) return `index ${i}: ${a} vs ${b} (NaN at different places)`;
      continue;
    }
    const diff = a === b ? 0 : Math.abs(a - b);
    if (diff > worst) [worst, worstAt] = [diff, i];
  }
  if (worst > allowed || Number.isNaN(worst)) {
    const [a, b] = [actual.data[worstAt], reference.data[worstAt]];
    return `index ${worstAt}: ${a} vs ${b} (|difference| ${worst.toExponential(2)} > ${tolerance} × largest |value| ${scale.toExponential(2)})`;
  }
  return undefined;
}

/**
 * The differences between a sequence and its reference (tokens, positions, attributions, step
 * scores); empty when they agree. `floors` gives a step score a larger scale than its own values:
 * `deltas`, a small difference of large terms, is measured against the attributions' sums.
 */
export function sequenceDifferences(
  actual: SequenceAttribution,
  reference: SequenceAttribution,
  tolerance: number,
  label: string,
  floors: Readonly<Record<string, number>> = {},
): string[] {
  const ids = (s: SequenceAttribution) => `${s.source.map((t) => t.id).join()}|${s.target.map((t) => t.id).join()}|${s.attr_pos_start}-${s.attr_pos_end}`;
  if (ids(actual) !== ids(reference)) return [`${label}: tokens or attributed positions differ`];
  const problems: string[] = [];
  const pairs: [string, Tensor | null, Tensor | null, number][] = [
    ['target_attributions', actual.target_attributions, reference.target_attributions, 0],
    ['source_attributions', actual.source_attributions, reference.source_attributions, 0],
    ...Object.entries(reference.step_scores).map(([name, score]): [string, Tensor | null, Tensor | null, number] => [
      `step score '${name}'`,
      actual.step_scores[name] ?? null,
      score,
      floors[name] ?? 0,
    ]),
  ];
  for (const [name, mine, theirs, floor] of pairs) {
    if (mine === null && theirs === null) continue;
    if (mine === null || theirs === null) {
      problems.push(`${label}: ${name} present in one run only`);
      continue;
    }
    const difference = tensorDifference(mine, theirs, tolerance, floor);
    if (difference) problems.push(`${label}: ${name}: ${difference}`);
  }
  return problems;
}
