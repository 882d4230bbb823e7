import { InvalidInputError, type SequenceAttribution, type Tensor, type TokenWithId } from '@inseq/core';

/**
 * The difference between two attributions of minimally different inputs (Inseq's `pair`
 * aggregator, `PairAggregator` in `inseq/data/aggregator.py`), defined as **`second − first`**:
 * the change from `first` to `second`, for attributions, step scores and sequence scores alike,
 * NaN kept. Tokens that differ are shown as `first → second` with id -1, as Inseq.
 *
 * The order is deliberate and the same as Inseq's `PairAggregator` (`y - x` with `x` the object
 * aggregated and `y` the paired one). Inseq's operator `a - b` returns this for `(a, b)`, that is
 * `b - a`; here there is no operator, only this function, so `pairAggregate(a, b)` reads as "from
 * a to b" and `pairAggregate(b, a)` is its negation.
 *
 * @throws InvalidInputError when the two sequences differ in token counts, attribution shapes,
 *   attributed positions or step/sequence score ids and shapes.
 */
export function pairAggregate(first: SequenceAttribution, second: SequenceAttribution): SequenceAttribution {
  const mismatch = (what: string) =>
    new InvalidInputError(`pair: the two sequences must match in ${what} to be compared.`, { code: 'INVALID_ARGUMENT' });
  if (first.source.length !== second.source.length) throw mismatch(`source length (${first.source.length} vs ${second.source.length})`);
  if (first.target.length !== second.target.length) throw mismatch(`target length (${first.target.length} vs ${second.target.length})`);
  if (first.attr_pos_start !== second.attr_pos_start || first.attr_pos_end !== second.attr_pos_end) {
    throw mismatch('attributed positions (attr_pos_start, attr_pos_end)');
  }
  const difference = (a: Tensor | null, b: Tensor | null, field: string): Tensor | null => {
    if (a === null && b === null) return null;
    if (a === null || b === null || a.shape.join(',') !== b.shape.join(',')) {
      throw mismatch(`${field} shape ([${a?.shape.join(', ') ?? 'null'}] vs [${b?.shape.join(', ') ?? 'null'}])`);
    }
    const data = new Float32Array(a.data.length);
    for (let i = 0; i < data.length; i++) data[i] = b.data[i] - a.data[i];
    return { data, shape: [...a.shape] };
  };
  const differences = (a: Record<string, Tensor>, b: Record<string, Tensor>, field: string): Record<string, Tensor> => {
    const ids = Object.keys(a);
    if (ids.length !== Object.keys(b).length || ids.some((id) => !(id in b))) {
      throw mismatch(`${field} ids ([${ids.join(', ')}] vs [${Object.keys(b).join(', ')}])`);
    }
    return Object.fromEntries(ids.map((id) => [id, difference(a[id], b[id], `${field}.${id}`)!]));
  };
  return {
    source: pairTokens(first.source, second.source),
    target: pairTokens(first.target, second.target),
    source_attributions: difference(first.source_attributions, second.source_attributions, 'source_attributions'),
    target_attributions: difference(first.target_attributions, second.target_attributions, 'target_attributions'),
    step_scores: differences(first.step_scores, second.step_scores, 'step_scores'),
    sequence_scores: differences(first.sequence_scores, second.sequence_scores, 'sequence_scores'),
    attr_pos_start: first.attr_pos_start,
    attr_pos_end: first.attr_pos_end,
  };
}

function pairTokens(first: readonly TokenWithId[], second: readonly TokenWithId[]): TokenWithId[] {
  return first.map((token, i) => (token.token === second[i].token ? token : { token: `${token.token} → ${second[i].token}`, id: -1 }));
}
