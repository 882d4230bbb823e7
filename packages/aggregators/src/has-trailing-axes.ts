import type { SequenceAttribution } from '@inseq/core';

/**
 * Whether the source or target attributions of `sequence` still have axes beyond
 * `[length, nSteps]` (e.g. `[length, nSteps, hidden]` from a gradient method), i.e. whether they
 * must be aggregated before they can be shown as a heatmap.
 */
export function hasTrailingAxes(sequence: SequenceAttribution): boolean {
  return (sequence.source_attributions?.shape.length ?? 0) > 2 || (sequence.target_attributions?.shape.length ?? 0) > 2;
}
