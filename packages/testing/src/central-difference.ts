/**
 * The central finite difference `(f(x + εe_i) - f(x - εe_i)) / 2ε`, an estimate of `∂f/∂x_i`
 * with error O(ε²), used to check gradients against an independent computation. `x` is not
 * modified (f sees copies).
 *
 * @param f - a scalar function of a flat input (e.g. a logit as a function of flattened embeddings).
 * @param index - the coordinate to perturb.
 * @param epsilon - step size. @defaultValue 1e-4, fine for float64 functions; for functions
 *   computed in float32 (tfjs), use 1e-2 to 1e-3 so rounding noise does not dominate.
 */
export function centralDifference(
  f: (x: Float64Array) => number,
  x: Float64Array,
  index: number,
  epsilon = 1e-4,
): number {
  if (!Number.isInteger(index) || index < 0 || index >= x.length) {
    throw new RangeError(`centralDifference: index ${index} is outside [0, ${x.length}).`);
  }
  if (!(epsilon > 0)) throw new RangeError(`centralDifference: epsilon must be > 0, got ${epsilon}.`);
  const plus = Float64Array.from(x);
  const minus = Float64Array.from(x);
  plus[index] += epsilon;
  minus[index] -= epsilon;
  // Divide by the step actually taken: x ± ε is rounded, and 2ε would misstate it slightly.
  return (f(plus) - f(minus)) / (plus[index] - minus[index]);
}
