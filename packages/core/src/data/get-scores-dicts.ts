import { InvalidInputError } from '../errors/invalid-input-error';
import type { Tensor } from '../tensor';
import type { FeatureAttributionOutput, SequenceAttribution, TokenWithId } from './feature-attribution-output';
import { isFeatureAttributionOutput } from './is-feature-attribution-output';

/**
 * All scores of one sequence as nested plain objects, ready for a table (each inner object is a
 * row or a column): the outer keys are the explained (generated) tokens.
 * - `source_attributions[explained][sourceToken]`: attribution of the source token for that step
 *   (empty for decoder-only models);
 * - `target_attributions[explained][targetToken]`: attribution of every target token, NaN for
 *   tokens the model had not yet seen at that step;
 * - `step_scores[explained][stepScoreId]`.
 */
export interface ScoresDict {
  readonly source_attributions: Record<string, Record<string, number>>;
  readonly target_attributions: Record<string, Record<string, number>>;
  readonly step_scores: Record<string, Record<string, number>>;
}

/** Options of {@link getScoresDicts}. */
export interface ScoresDictOptions {
  /**
   * The key of a token. Keys must be unique, and a token can repeat, so the default joins its
   * position (in `source` or `target`) and its raw vocabulary string, like the `(index, token)`
   * tuples Inseq uses as keys: `'3:Ġthe'`. For readable keys, pass a function that applies
   * `decodeToken` to `token.token`.
   * @defaultValue position, a colon, then the raw token: `'3:Ġthe'`
   */
  readonly tokenKey?: (token: TokenWithId, position: number) => string;
}

const defaultTokenKey = (token: TokenWithId, position: number) => `${position}:${token.token}`;

/**
 * Scores as nested plain objects, as Inseq's `get_scores_dicts` (`inseq/data/attribution.py`):
 * for each explained position `p` in `[attr_pos_start, attr_pos_end)`, the source and target
 * attributions of step column `p - attr_pos_start` and the step scores of that step. For a whole
 * output, one {@link ScoresDict} per sequence. Unlike Inseq, which aggregates first with the
 * default aggregator, the attributions must already hold one score per token
 * (`[length, nSteps]`, trailing axes of size 1 allowed): otherwise an `InvalidInputError` says
 * which aggregation to apply. NaN values are kept.
 */
export function getScoresDicts(output: FeatureAttributionOutput, options?: ScoresDictOptions): ScoresDict[];
export function getScoresDicts(sequence: SequenceAttribution, options?: ScoresDictOptions): ScoresDict;
export function getScoresDicts(
  value: FeatureAttributionOutput | SequenceAttribution,
  options: ScoresDictOptions = {},
): ScoresDict | ScoresDict[] {
  const tokenKey = options.tokenKey ?? defaultTokenKey;
  if (isFeatureAttributionOutput(value)) return value.sequence_attributions.map((sequence) => scoresDict(sequence, tokenKey));
  return scoresDict(value, tokenKey);
}

function scoresDict(sequence: SequenceAttribution, tokenKey: NonNullable<ScoresDictOptions['tokenKey']>): ScoresDict {
  const source = checkOneScorePerToken(sequence.source_attributions, 'source_attributions');
  const target = checkOneScorePerToken(sequence.target_attributions, 'target_attributions');
  const stepScores = Object.entries(sequence.step_scores);
  for (const [id, scores] of stepScores) {
    if (scores.data.length !== sequence.attr_pos_end - sequence.attr_pos_start) {
      throw new InvalidInputError(
        `step_scores['${id}'] has shape [${scores.shape.join(', ')}] but the sequence explains ${sequence.attr_pos_end - sequence.attr_pos_start} steps: one value per step expected.`,
      );
    }
  }
  const result: ScoresDict = { source_attributions: {}, target_attributions: {}, step_scores: {} };
  for (let position = sequence.attr_pos_start; position < sequence.attr_pos_end; position++) {
    const step = position - sequence.attr_pos_start;
    const key = tokenKey(sequence.target[position], position);
    if (source !== null) result.source_attributions[key] = column(sequence.source, source, step, tokenKey);
    if (target !== null) result.target_attributions[key] = column(sequence.target, target, step, tokenKey);
    if (stepScores.length > 0) result.step_scores[key] = Object.fromEntries(stepScores.map(([id, scores]) => [id, scores.data[step]]));
  }
  return result;
}

function column(
  tokens: readonly TokenWithId[],
  tensor: Tensor,
  step: number,
  tokenKey: NonNullable<ScoresDictOptions['tokenKey']>,
): Record<string, number> {
  const steps = tensor.shape[1];
  const out: Record<string, number> = {};
  tokens.forEach((token, position) => {
    out[tokenKey(token, position)] = tensor.data[position * steps + step];
  });
  return out;
}

function checkOneScorePerToken(tensor: Tensor | null, field: string): Tensor | null {
  if (tensor === null) return null;
  if (tensor.shape.length < 2 || tensor.shape.slice(2).some((size) => size !== 1)) {
    throw new InvalidInputError(
      `getScoresDicts needs one score per token, but ${field} has shape [${tensor.shape.join(', ')}]: reduce the trailing axes first, e.g. aggregateHiddenSize(sequence, 'vnorm') (or 'sum', 'mean') or defaultAggregate(sequence) from @inseq/aggregators.`,
    );
  }
  return tensor;
}
