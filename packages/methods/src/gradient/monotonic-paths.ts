import type { VocabularyIndex } from './vocabulary-index';

/** How DIG picks the next anchor word (Sanyal & Ren 2021, §3); DIG's and Inseq's default is `greedy`. */
export const PATH_STRATEGIES = ['greedy', 'maxcount'] as const;
/** `greedy`: the neighbour closest to its monotonized copy; `maxcount`: the most monotonic dimensions. */
export type PathStrategy = (typeof PATH_STRATEGIES)[number];

/** Options of {@link monotonicPaths}. */
export interface MonotonicPathOptions {
  readonly nSteps: number;
  readonly strategy: PathStrategy;
  /** Neighbours of each word considered as anchors. */
  readonly nNeighbors: number;
  /** Ids whose path does not move through the vocabulary (Inseq's special tokens). */
  readonly specialIds: ReadonlySet<number>;
}

/** Per dimension: is `anchor` between `input` and `baseline` (inclusive, in the right order)? */
function isMonotonic(anchor: number, baseline: number, input: number): boolean {
  if (baseline > input) return baseline >= anchor && anchor >= input;
  if (baseline < input) return baseline <= anchor && anchor <= input;
  return anchor === input;
}

/** `anchor` with each non-monotonic dimension moved to `input − (input − baseline) / nSteps`. */
function monotonize(anchor: ArrayLike<number>, baseline: ArrayLike<number>, input: ArrayLike<number>, nSteps: number): Float32Array {
  const out = Float32Array.from(anchor);
  for (let h = 0; h < out.length; h++) {
    if (!isMonotonic(anchor[h], baseline[h], input[h])) out[h] = input[h] - (input[h] - baseline[h]) / nSteps;
  }
  return out;
}

/** Lower is better: the greedy distance to the monotonized anchor, or minus the monotonic dimension count. */
function anchorCost(strategy: PathStrategy, anchor: Float32Array, baseline: Float32Array, word: Float32Array, nSteps: number): number {
  if (strategy === 'maxcount') {
    let monotonic = 0;
    for (let h = 0; h < anchor.length; h++) if (isMonotonic(anchor[h], baseline[h], word[h])) monotonic++;
    return -monotonic;
  }
  const moved = monotonize(anchor, baseline, word, nSteps);
  let distance = 0;
  for (let h = 0; h < anchor.length; h++) distance += (anchor[h] - moved[h]) ** 2;
  return Math.sqrt(distance);
}

/** The anchor after `word` among its `neighbors`: the best one not on the path yet, else the baseline. */
function nextAnchor(
  index: VocabularyIndex,
  word: number,
  neighbors: Int32Array,
  baselineId: number,
  path: readonly number[],
  options: MonotonicPathOptions,
): number {
  const baseline = index.embedding(baselineId);
  const wordEmbedding = index.embedding(word);
  let best = baselineId;
  let bestCost = Number.POSITIVE_INFINITY;
  for (const candidate of neighbors) {
    if (candidate === baselineId || path.includes(candidate)) continue;
    const cost = anchorCost(options.strategy, index.embedding(candidate), baseline, wordEmbedding, options.nSteps);
    if (cost < bestCost) {
      best = candidate;
      bestCost = cost;
    }
  }
  return best;
}

/**
 * DIG's monotonic paths from the baseline token to each of `wordIds`, each `[nSteps, hidden]`,
 * baseline first and the word's embedding last, as Inseq's `MonotonicPathBuilder` (from the DIG
 * reference code, github.com/INK-USC/DIG): starting at the word, repeatedly pick an anchor among
 * the nearest vocabulary neighbours of the last one (`greedy`: the one closest to its monotonized
 * copy; `maxcount`: the one with the most monotonic dimensions), monotonize it against the
 * previous point and the baseline, and finish at the baseline. A special token stays put until
 * the baseline. The paths grow in lock step so each round's neighbour queries share one pass
 * over the vocabulary.
 */
export function monotonicPaths(
  index: VocabularyIndex,
  wordIds: readonly number[],
  baselineId: number,
  options: MonotonicPathOptions,
): Float32Array[] {
  const { nSteps } = options;
  const words = wordIds.map((id) => [id]);
  for (let step = 1; step < nSteps - 1; step++) {
    const moving = words.filter((path) => !options.specialIds.has(path[0]) && path[path.length - 1] !== baselineId);
    const lists = index.neighbors(
      moving.map((path) => path[path.length - 1]),
      options.nNeighbors,
    );
    moving.forEach((path, i) => {
      path.push(nextAnchor(index, path[path.length - 1], lists[i], baselineId, path, options));
    });
    // A special token repeats itself; a path that reached the baseline stays there.
    for (const path of words) if (path.length === step) path.push(options.specialIds.has(path[0]) ? path[0] : baselineId);
  }
  const baseline = index.embedding(baselineId);
  return words.map((path) => {
    const points: Float32Array[] = [Float32Array.from(index.embedding(path[0]))];
    for (let i = 1; i < path.length; i++) points.push(monotonize(index.embedding(path[i]), baseline, points[i - 1], nSteps));
    points.push(Float32Array.from(baseline));
    points.reverse();
    const out = new Float32Array(points.length * index.hidden);
    points.forEach((point, k) => {
      out.set(point, k * index.hidden);
    });
    return out;
  });
}
