/**
 * Largest `|a[i] - b[i]|`. Returns `NaN` as soon as a NaN appears (where the two values are not
 * identical), so `expect(maxAbsDiff(a, b)).toBeLessThan(tol)` fails on NaN instead of skipping it,
 * and equal infinities count as a difference of 0.
 *
 * @throws RangeError when the lengths differ.
 */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) {
    throw new RangeError(`maxAbsDiff needs arrays of equal length, got ${a.length} and ${b.length}.`);
  }
  let max = 0;
  for (let i = 0; i < a.length; i++) {
    if (a[i] === b[i]) continue;
    const diff = Math.abs(a[i] - b[i]);
    if (Number.isNaN(diff)) return Number.NaN;
    if (diff > max) max = diff;
  }
  return max;
}
