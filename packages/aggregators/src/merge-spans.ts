import { InvalidInputError, type Registry, type SequenceAttribution, type Tensor, type TokenWithId } from '@inseq/core';
import { type AggregationFunction, aggregationFunctionOptions } from './aggregation-function';
import { mergeBlocks } from './merge-blocks';
import { resolveAggregationFunction } from './resolve-aggregation-function';
import { stepScoreAggregationFunction } from './step-score-aggregation';
import { spansToGroups, type TokenSpan, type TokenSpans } from './token-span';

/**
 * Options of the {@link mergeSpans} function (a TypeScript API; the `spans`, `subwords` and
 * `split` aggregators fill it from their snake_case options `aggregate_fn`, `step_scores_fn`,
 * `vnorm_ord`).
 */
export type MergeSpansOptions = {
  /** Aggregation function id for attributions (and unlisted step scores). @defaultValue 'absmax' */
  aggregateFn?: string;
  /** Step score id → aggregation function id, over {@link spanStepScoreFunctions}. @defaultValue none */
  stepScoresFn?: Readonly<Record<string, string>>;
  /** Where function ids are looked up. @defaultValue the built-in aggregation functions */
  functions?: Registry<AggregationFunction>;
  /**
   * Option values for the aggregation functions, e.g. `{ ord: 1 }` for `vnorm`: each function
   * takes the keys it declares, parsed once against its spec. @defaultValue none
   */
  functionOptions?: Readonly<Record<string, unknown>>;
};

/**
 * Merges contiguous token spans into single tokens, as Inseq's `ContiguousSpanAggregator`
 * (`inseq/data/aggregator.py`): merged tokens are the concatenation of their pieces with id -1;
 * attribution rows of merged tokens are reduced with `aggregateFn`; and because column `s` of the
 * attributions explains `target[attr_pos_start + s]`, merging generated target tokens also merges
 * their steps: the columns of source and target attributions and the step scores (each with its
 * own function, {@link stepScoreAggregationFunction}). `attr_pos_start`/`attr_pos_end` move to the
 * merged positions. A span may straddle the prompt/generation boundary: its merged token is then
 * the first generated one. Sequence scores shaped `[rows, columns, …]` are merged too: ids that
 * start with `encoder` on source × source, `decoder` on target × target, others source × steps.
 *
 * @param sequence - The attributions of one sequence; not modified.
 * @throws InvalidInputError for invalid spans or tensors whose shapes disagree with the tokens.
 */
export function mergeSpans(
  sequence: SequenceAttribution,
  sourceSpans: TokenSpans | undefined,
  targetSpans: TokenSpans | undefined,
  options?: MergeSpansOptions,
): SequenceAttribution {
  const sourceGroups = spansToGroups(sequence.source.length, sourceSpans, 'source spans');
  const targetGroups = spansToGroups(sequence.target.length, targetSpans, 'target spans');
  if (sourceGroups.length === sequence.source.length && targetGroups.length === sequence.target.length) return sequence;

  const { attr_pos_start: start, attr_pos_end: end } = sequence;
  const outputIndex = new Int32Array(sequence.target.length);
  for (const [index, [from, to]] of targetGroups.entries()) outputIndex.fill(index, from, to);
  const steps = end - start;
  const stepGroups: TokenSpan[] = [];
  for (let s = 0; s < steps; s++) {
    const last = stepGroups[stepGroups.length - 1];
    if (last && outputIndex[start + s] === outputIndex[start + s - 1]) stepGroups[stepGroups.length - 1] = [last[0], s + 1];
    else stepGroups.push([s, s + 1]);
  }

  const aggregateFn = options?.aggregateFn ?? 'absmax';
  const fn = resolveAggregationFunction(aggregateFn, options?.functions);
  const functionOptions = aggregationFunctionOptions(fn, options?.functionOptions);
  const merge = (tensor: Tensor | null, rows: readonly TokenSpan[] | null, columns: readonly TokenSpan[] | null) =>
    tensor === null ? null : mergeBlocks(tensor, rows, columns, fn, functionOptions);

  const targetRows = sequence.target_attributions ? clipGroups(targetGroups, sequence.target_attributions.shape[0]) : null;
  const step_scores: Record<string, Tensor> = {};
  for (const [id, scores] of Object.entries(sequence.step_scores)) {
    const stepFn = resolveAggregationFunction(stepScoreAggregationFunction(id, aggregateFn, options?.stepScoresFn), options?.functions);
    step_scores[id] = mergeBlocks(scores, null, stepGroups, stepFn, aggregationFunctionOptions(stepFn, options?.functionOptions));
  }
  const sequence_scores: Record<string, Tensor> = {};
  for (const [id, scores] of Object.entries(sequence.sequence_scores)) {
    if (scores.shape.length < 2) {
      sequence_scores[id] = scores;
      continue;
    }
    const [rows, columns] = id.startsWith('encoder')
      ? [sourceGroups, sourceGroups]
      : id.startsWith('decoder')
        ? [targetGroups, targetGroups]
        : [sourceGroups, stepGroups];
    sequence_scores[id] = mergeBlocks(scores, rows, columns, fn, functionOptions);
  }
  return {
    ...sequence,
    source: mergeTokens(sequence.source, sourceGroups),
    target: mergeTokens(sequence.target, targetGroups),
    source_attributions: merge(sequence.source_attributions, sourceGroups, stepGroups),
    target_attributions: merge(sequence.target_attributions, targetRows, stepGroups),
    step_scores,
    sequence_scores,
    attr_pos_start: steps > 0 ? outputIndex[start] : mergedPosition(outputIndex, start, targetGroups.length),
    attr_pos_end: steps > 0 ? outputIndex[end - 1] + 1 : mergedPosition(outputIndex, start, targetGroups.length),
  };
}

/** Token strings concatenated with the markers kept (as Inseq), id -1 for a merged token. */
function mergeTokens(tokens: readonly TokenWithId[], groups: readonly TokenSpan[]): TokenWithId[] {
  return groups.map(([start, end]) =>
    end - start === 1
      ? tokens[start]
      : {
          token: tokens
            .slice(start, end)
            .map((token) => token.token)
            .join(''),
          id: -1,
        },
  );
}

/** Target attributions have `min(len(target), attr_pos_end)` rows: groups past them are dropped or cut. */
function clipGroups(groups: readonly TokenSpan[], rows: number): TokenSpan[] {
  const clipped = groups.filter(([start]) => start < rows).map(([start, end]) => [start, Math.min(end, rows)] as const);
  if ((clipped[clipped.length - 1]?.[1] ?? 0) !== rows) {
    throw new InvalidInputError(`target_attributions has ${rows} rows, more than the ${groups.length} target tokens.`);
  }
  return clipped;
}

function mergedPosition(outputIndex: Int32Array, position: number, length: number): number {
  return position < outputIndex.length ? outputIndex[position] : length;
}
