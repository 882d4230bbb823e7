/**
 * Aligns each position of `original` to a position of `contrast` (the "auto" alignment of
 * contrastive targets). Tokens of the longest common subsequence align to each other; inside a
 * differing run, the k-th original token aligns to the k-th contrastive token of the run, and any
 * surplus to the run's last one (or the nearest earlier token when the contrastive run is empty).
 * Unlike Inseq's "auto" (an external word aligner), it needs no model and is exact on shared text.
 * @returns For every original position, a contrastive position, `[original.length]`.
 */
export function alignTokens(original: readonly number[], contrast: readonly number[]): Int32Array {
  const n = original.length;
  const m = contrast.length;
  // lcs[i][j]: LCS length of original[i:] and contrast[j:].
  const lcs = Array.from({ length: n + 1 }, () => new Int32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i][j] = original[i] === contrast[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
    }
  }
  const matches: [number, number][] = [];
  for (let i = 0, j = 0; i < n && j < m; ) {
    if (original[i] === contrast[j]) matches.push([i++, j++]);
    else if (lcs[i + 1][j] >= lcs[i][j + 1]) i++;
    else j++;
  }
  const alignment = new Int32Array(n);
  const clamp = (j: number) => Math.min(Math.max(j, 0), m - 1);
  let previous: [number, number] = [-1, -1];
  for (const next of [...matches, [n, m] as [number, number]]) {
    const [i0, j0] = [previous[0] + 1, previous[1] + 1];
    const runLength = next[1] - j0;
    for (let i = i0; i < next[0]; i++) {
      alignment[i] = clamp(runLength > 0 ? j0 + Math.min(i - i0, runLength - 1) : j0 - 1);
    }
    if (next[0] < n) alignment[next[0]] = next[1];
    previous = next;
  }
  return alignment;
}
