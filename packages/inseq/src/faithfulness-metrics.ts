import { InvalidInputError, type Tokenizer } from '@inseq/core';

/**
 * Pieces of the faithfulness evaluation that need no model: where a word's characters fall in the
 * tokens, rankings, hits, the ERASER deletion inputs and chance levels.
 */

/**
 * Token positions of `ids` that overlap the characters `[start, end)` of `text` (a GPT-2 `Ġword`
 * token overlaps `word` through its letters, not its leading space; a word may span several
 * subword tokens). Each token's characters are found by decoding growing prefixes.
 *
 * @throws InvalidInputError when the tokens do not decode back to `text` (character offsets would be meaningless).
 */
export function positionsOfCharacters(tokenizer: Tokenizer, ids: readonly number[], text: string, start: number, end: number): number[] {
  const decoded = tokenizer.decode([...ids], { skipSpecialTokens: true });
  if (decoded !== text) {
    throw new InvalidInputError(
      `The tokenizer does not decode the prompt ${JSON.stringify(text)} back to itself (got ${JSON.stringify(decoded)}), ` +
        'so the decisive word cannot be located in its tokens.', { code: 'INVALID_INPUT' },
    );
  }
  const positions: number[] = [];
  let before = 0;
  for (let i = 0; i < ids.length; i++) {
    const after = tokenizer.decode(ids.slice(0, i + 1), { skipSpecialTokens: true }).length;
    if (after > before && before < end && after > start) positions.push(i);
    before = after;
  }
  return positions;
}

/** `positions` ordered by descending score (NaN last); ties keep the earlier position first. */
export function rankPositions(scores: ArrayLike<number>, positions: readonly number[]): number[] {
  const key = (p: number) => (Number.isNaN(scores[p]) ? Number.NEGATIVE_INFINITY : scores[p]);
  return [...positions].sort((a, b) => key(b) - key(a) || a - b);
}

/** A seeded uniform generator on [0, 1) (mulberry32): the same seed gives the same sequence everywhere. */
export function seededUniform(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A uniformly random order of `positions` (Fisher–Yates with `uniform`). */
export function randomRanking(positions: readonly number[], uniform: () => number): number[] {
  const order = [...positions];
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(uniform() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

/** Whether any of the first `k` ranked positions is decisive. */
export function hitAt(ranking: readonly number[], decisive: ReadonlySet<number>, k: number): boolean {
  return ranking.slice(0, k).some((position) => decisive.has(position));
}

/**
 * The two ERASER inputs for the top `k` of `ranking`, tokens removed by deletion with the order of
 * the rest kept: `without` (x minus the top-k tokens, for comprehensiveness) and `only` (the top-k
 * tokens alone, for sufficiency). Positions outside the ranking (special tokens the tokenizer
 * added, such as a BOS) stay in both. An input left empty becomes `[emptyId]`.
 */
export function erasureInputs(ids: readonly number[], ranking: readonly number[], k: number, emptyId: number | undefined): { without: number[]; only: number[] } {
  const top = new Set(ranking.slice(0, k));
  const ranked = new Set(ranking);
  const without = ids.filter((_, p) => !top.has(p));
  const only = ids.filter((_, p) => top.has(p) || !ranked.has(p));
  const orEmpty = (row: number[]) => {
    if (row.length > 0) return row;
    if (emptyId === undefined) {
      throw new InvalidInputError(
        `Removing the top ${k} tokens leaves an empty input and the tokenizer has no BOS or EOS token to stand for it; use a smaller k or longer prompts.`, { code: 'INVALID_ARGUMENT' },
      );
    }
    return [emptyId];
  };
  return { without: orEmpty(without), only: orEmpty(only) };
}

/**
 * Probability that a uniformly random ranking of `n` tokens puts at least one of `s` decisive ones
 * in its first `k`: 1 − C(n−s, k) / C(n, k) (hypergeometric); `s / n` for k = 1.
 */
export function chanceHit(n: number, s: number, k: number): number {
  const take = Math.min(k, n);
  let miss = 1;
  for (let i = 0; i < take; i++) miss *= Math.max(n - s - i, 0) / (n - i);
  return 1 - miss;
}
