import { InvalidInputError, type SequenceAttribution } from '@inseq/core';
import { buildHeatmapView, type HeatmapViewOptions } from './build-heatmap-view';
import type { HeatmapView, StepScoreRow } from './heatmap-view';
import type { TokenStepScore, TokenView } from './token-view';

/** Options of {@link buildTokenView}: the heatmap's, and the step score shown first. */
export interface TokenViewOptions extends HeatmapViewOptions {
  /**
   * The step score that colours the generated tokens at first (the page offers the others in a
   * selector). @defaultValue `'probability'` when the view has it, else its first step score
   */
  stepScore?: string;
}

/**
 * The token view of one sequence ({@link TokenView}): built as {@link buildHeatmapView} builds the
 * heatmap, with the same options, then laid out by {@link tokenViewFromHeatmap}.
 *
 * @throws InvalidInputError as `buildHeatmapView` does, or when `stepScore` is not shown.
 */
export function buildTokenView(sequence: SequenceAttribution, options?: TokenViewOptions): TokenView {
  return tokenViewFromHeatmap(buildHeatmapView(sequence, options), options?.stepScore);
}

/**
 * The token view of a heatmap already built: its rows are the context, its columns the generated
 * tokens, and its values, transposed, each step's attributions.
 *
 * @param stepScore - The step score shown first. @defaultValue `'probability'` when present, else the first
 * @throws InvalidInputError when `stepScore` is not one of the view's step scores.
 */
export function tokenViewFromHeatmap(view: HeatmapView, stepScore?: string): TokenView {
  const names = view.stepScores.map((row) => row.name);
  if (stepScore !== undefined && !names.includes(stepScore)) {
    throw new InvalidInputError(
      `Unknown step score '${stepScore}' for the token view. Shown step scores: ${names.length ? names.join(', ') : '(none)'}.`, { code: 'INVALID_ARGUMENT' },
    );
  }
  const initial = stepScore ?? (names.includes('probability') ? 'probability' : names[0]);
  return {
    context: view.rows,
    generated: view.columns,
    attributions: view.columns.map((_, step) => view.values.map((row) => row[step])),
    maxAbs: view.maxAbs,
    signed: view.signed,
    stepScores: view.stepScores.map(tokenStepScore),
    ...(initial !== undefined && { stepScore: initial }),
  };
}

function tokenStepScore(row: StepScoreRow): TokenStepScore {
  const finite = row.values.filter(Number.isFinite);
  const maxAbs = row.name === 'probability' ? 1 : Math.max(0, ...finite.map(Math.abs));
  return { name: row.name, values: row.values, maxAbs, signed: finite.some((value) => value < 0) };
}
