import { InvalidInputError } from '@inseq/core';

/** Ids of the approximation rules of the path integral, as Captum names them. */
export const INTEGRATION_METHODS = [
  'gausslegendre',
  'riemann_trapezoid',
  'riemann_left',
  'riemann_right',
  'riemann_middle',
] as const;
export type IntegrationMethod = (typeof INTEGRATION_METHODS)[number];

/** Points `alphas` in [0, 1] and weights `stepSizes` with Σ w·f(α) ≈ ∫₀¹ f. */
export interface IntegrationRule {
  readonly alphas: Float64Array;
  readonly stepSizes: Float64Array;
}

/**
 * `torch.linspace(from, to, n).tolist()` in float32, the default dtype Captum's Riemann alphas are
 * made in: float32 ends and step, the first half counted up from `from` and the second half down
 * from `to`, as ATen's CPU kernel does, so the points are bit-for-bit Captum's.
 */
function torchLinspace(from: number, to: number, n: number): Float64Array {
  const f = Math.fround;
  const start = f(from);
  const end = f(to);
  const step = f(f(end - start) / (n - 1));
  if (n === 1) return Float64Array.of(start);
  const halfway = Math.floor(n / 2);
  return Float64Array.from({ length: n }, (_, i) => (i < halfway ? f(start + f(step * i)) : f(end - f(step * (n - i - 1)))));
}

/**
 * Gauss–Legendre nodes and weights on [-1, 1] (Newton's method on P_n; numpy's `leggauss` in
 * ascending order), exact for polynomials up to degree 2n − 1.
 */
function gaussLegendre(n: number): { nodes: Float64Array; weights: Float64Array } {
  const nodes = new Float64Array(n);
  const weights = new Float64Array(n);
  for (let i = 0; i < Math.ceil(n / 2); i++) {
    let z = Math.cos((Math.PI * (i + 0.75)) / (n + 0.5));
    let derivative = 0;
    for (let iteration = 0; iteration < 100; iteration++) {
      let p1 = 1;
      let p2 = 0;
      for (let j = 1; j <= n; j++) {
        const p3 = p2;
        p2 = p1;
        p1 = ((2 * j - 1) * z * p2 - (j - 1) * p3) / j;
      }
      derivative = (n * (z * p1 - p2)) / (z * z - 1);
      const previous = z;
      z = previous - p1 / derivative;
      if (Math.abs(z - previous) < 1e-15) break;
    }
    nodes[i] = -z;
    nodes[n - 1 - i] = z;
    weights[i] = weights[n - 1 - i] = 2 / ((1 - z * z) * derivative * derivative);
  }
  return { nodes, weights };
}

/**
 * The integration rule of Captum's `approximation_parameters`: Riemann sums over `torch.linspace`
 * points (float32, as Captum makes them), or Gauss–Legendre mapped from [-1, 1] to [0, 1].
 * Captum asserts n_steps >= 2 for every Riemann rule; here only the trapezoid needs it, and
 * `riemann_left` / `right` / `middle` with one step are the one-point rules at 0, 1 and 1/2. The weights are Captum's exactly, so
 * the same call gives Inseq's numbers: in particular `riemann_trapezoid` weighs its `n` points
 * `1/n` with halved ends (summing to `(n − 1)/n`, so a linear path integral comes out `(n − 1)/n`
 * of its value and the convergence delta is `−gain/n`), not the textbook `1/(n − 1)`; at
 * `n_steps` 50 the two differ by 2 %.
 */
export function integrationRule(method: IntegrationMethod, nSteps: number): IntegrationRule {
  if (method === 'gausslegendre') {
    const { nodes, weights } = gaussLegendre(nSteps);
    return { alphas: nodes.map((x) => 0.5 * (1 + x)), stepSizes: weights.map((w) => 0.5 * w) };
  }
  // Captum's weights (and so Inseq's): 1/n, with halved ends for the trapezoid over n points of
  // linspace(0, 1, n), summing to (n − 1)/n; the textbook rule would use 1/(n − 1). Kept for parity.
  const stepSizes = new Float64Array(nSteps).fill(1 / nSteps);
  if (method === 'riemann_trapezoid') {
    if (nSteps < 2) throw new InvalidInputError('riemann_trapezoid needs n_steps >= 2.', { code: 'INVALID_ARGUMENT' });
    stepSizes[0] = stepSizes[nSteps - 1] = 1 / (2 * nSteps);
    return { alphas: torchLinspace(0, 1, nSteps), stepSizes };
  }
  const alphas =
    method === 'riemann_left'
      ? torchLinspace(0, 1 - 1 / nSteps, nSteps)
      : method === 'riemann_right'
        ? torchLinspace(1 / nSteps, 1, nSteps)
        : torchLinspace(1 / (2 * nSteps), 1 - 1 / (2 * nSteps), nSteps);
  return { alphas, stepSizes };
}
