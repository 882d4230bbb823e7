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

const linspace = (from: number, to: number, n: number) =>
  Float64Array.from({ length: n }, (_, i) => (n === 1 ? from : from + ((to - from) * i) / (n - 1)));

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
 * The integration rule of Captum's `approximation_parameters`: Riemann sums over `linspace`
 * points, or Gauss–Legendre mapped from [-1, 1] to [0, 1]. The weights are Captum's exactly, so
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
  if (method === 'riemann_trapezoid') {
    if (nSteps < 2) throw new InvalidInputError('riemann_trapezoid needs n_steps >= 2.', { code: 'INVALID_ARGUMENT' });
    // Captum's weights (and so Inseq's): 1/n with halved ends over n points of linspace(0, 1, n),
    // summing to (n − 1)/n; the textbook rule would use 1/(n − 1). Kept for parity, see the doc above.
    const stepSizes = new Float64Array(nSteps).fill(1 / nSteps);
    stepSizes[0] = stepSizes[nSteps - 1] = 1 / (2 * nSteps);
    return { alphas: linspace(0, 1, nSteps), stepSizes };
  }
  const stepSizes = new Float64Array(nSteps).fill(1 / nSteps);
  const alphas =
    method === 'riemann_left'
      ? linspace(0, 1 - 1 / nSteps, nSteps)
      : method === 'riemann_right'
        ? linspace(1 / nSteps, 1, nSteps)
        : linspace(1 / (2 * nSteps), 1 - 1 / (2 * nSteps), nSteps);
  return { alphas, stepSizes };
}
