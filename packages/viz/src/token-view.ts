import type { HeatmapToken } from './heatmap-view';

/** A step score as the token view colours generated tokens by it. */
export interface TokenStepScore {
  /** Step function id, e.g. `'probability'`. */
  readonly name: string;
  /** `[generated.length]`. */
  readonly values: readonly number[];
  /**
   * The magnitude drawn at full opacity: 1 for `probability` (a probability reads on its own
   * scale), else the largest finite |value| of the row (0 when there is none).
   */
  readonly maxAbs: number;
  /** Whether some finite value is negative (the legend is then diverging). */
  readonly signed: boolean;
}

/**
 * The token view of one sequence: the generated tokens as running text coloured by a step score;
 * selecting one colours the context tokens by that step's attributions. Built from the same view
 * model as the heatmap (`buildTokenView`, `tokenViewFromHeatmap`): `attributions` is the
 * heatmap's `values` transposed.
 */
export interface TokenView {
  /**
   * Tokens attributed at some step, in order: the source (encoder-decoder), then the target
   * prefix (prompt and earlier generated tokens). The heatmap's rows.
   */
  readonly context: readonly HeatmapToken[];
  /** Generated tokens explained, `target[attr_pos_start .. attr_pos_end)`. The heatmap's columns. */
  readonly generated: readonly HeatmapToken[];
  /** `[generated.length][context.length]`: each step's attributions; NaN where not attributable. */
  readonly attributions: readonly (readonly number[])[];
  /** Largest finite |attribution| (0 when there is none): the end of the context colour scale. */
  readonly maxAbs: number;
  /** Whether some finite attribution is negative. */
  readonly signed: boolean;
  /** Step scores that can colour the generated tokens, in display order. */
  readonly stepScores: readonly TokenStepScore[];
  /** The step score colouring the generated tokens at first; absent when there is none. */
  readonly stepScore?: string;
}
