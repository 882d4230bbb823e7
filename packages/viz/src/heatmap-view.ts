/**
 * The view model both renderers draw: one heatmap of one sequence, already aggregated to one
 * score per (attributed token, generated token) and with display labels resolved. Building it is
 * the only place that reads a `SequenceAttribution`; renderers only lay it out.
 */

/** A token labelling a heatmap row or column. */
export interface HeatmapToken {
  /** The raw vocabulary entry (`Ġcapital`, `▁capital`, `Ċ`). */
  readonly token: string;
  readonly id: number;
  /** What is shown: cleaned as Inseq does, control characters made visible ({@link displayToken}). */
  readonly label: string;
  /** Which sequence the token belongs to. */
  readonly side: 'source' | 'target';
  /** Index of the token in its sequence. */
  readonly position: number;
}

/** One row of step scores under the heatmap: a value per generated token. */
export interface StepScoreRow {
  /** Step function id, e.g. `'probability'`. */
  readonly name: string;
  /** `[columns.length]`. */
  readonly values: readonly number[];
}

/** A heatmap of one sequence's attributions (see `buildHeatmapView`). */
export interface HeatmapView {
  /** Attributed tokens: source tokens (when there are source attributions), then target tokens. */
  readonly rows: readonly HeatmapToken[];
  /** Generated tokens explained, `target[attr_pos_start .. attr_pos_end)`. */
  readonly columns: readonly HeatmapToken[];
  /** `[rows.length][columns.length]` scores; NaN where a token was not attributable at that step. */
  readonly values: readonly (readonly number[])[];
  /** Step scores in display order. */
  readonly stepScores: readonly StepScoreRow[];
  /** Largest finite |value| in `values` (0 when there is none): the end of the colour scale. */
  readonly maxAbs: number;
  /** Whether some finite value is negative: the colour scale then runs from -maxAbs to maxAbs, else from 0. */
  readonly signed: boolean;
  /** Whether Inseq's default aggregation (`aggregateFn` over the trailing axes, then normalisation) was applied. */
  readonly aggregated: boolean;
  /** The aggregation function applied over the trailing axes when `aggregated` (`'vnorm'`, `'mean'`, …). */
  readonly aggregateFn?: string;
}
