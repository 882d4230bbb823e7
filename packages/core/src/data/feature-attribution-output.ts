import type { Tensor } from '../tensor';

/**
 * The data model mirrors Inseq's `FeatureAttributionOutput` field for field, snake_case included,
 * because it is also the saved JSON: a reader of either library recognises it.
 */

/** A token and its vocabulary id, as in Inseq's `TokenWithId`. */
export interface TokenWithId {
  readonly token: string;
  readonly id: number;
}

/** Attributions of one input sequence (Inseq's `FeatureAttributionSequenceOutput`). */
export interface SequenceAttribution {
  /** The input (prompt) tokens. */
  readonly source: TokenWithId[];
  /** For decoder-only models: prompt + generated tokens. */
  readonly target: TokenWithId[];
  /** `[len(source), nSteps, …]` for encoder-decoder models; `null` for decoder-only models. */
  readonly source_attributions: Tensor | null;
  /**
   * `[len(target), nSteps, …]`: column `s` explains `target[attr_pos_start + s]`; positions the
   * model had not yet seen at that step are NaN. Trailing axes: `[hidden]` before aggregation.
   */
  readonly target_attributions: Tensor | null;
  /** Step scores by id, each `[nSteps]`. */
  readonly step_scores: Record<string, Tensor>;
  /** Scores over the whole sequence by id (e.g. per-layer attention), or empty. */
  readonly sequence_scores: Record<string, Tensor>;
  /** First target position explained. */
  readonly attr_pos_start: number;
  /** One past the last target position explained. */
  readonly attr_pos_end: number;
}

/** What `attribute` returns and `save` writes. */
export interface FeatureAttributionOutput {
  readonly sequence_attributions: SequenceAttribution[];
  /** Per-step outputs when kept (`outputStepAttributions`); `null` otherwise, as Inseq's default. */
  readonly step_attributions: unknown[] | null;
  /** Method, model, arguments, timings, library versions. */
  readonly info: Record<string, unknown>;
}
