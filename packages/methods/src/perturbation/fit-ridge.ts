/** A fitted linear surrogate: y ≈ intercept + Σ coefficients[f] · x[f]. */
export interface RidgeFit {
  readonly coefficients: Float64Array;
  readonly intercept: number;
}

/**
 * Weighted ridge regression with an unpenalised intercept, as scikit-learn's
 * `Ridge(alpha).fit(X, y, sample_weight=w)` (the surrogate Inseq's `lime` fits through Captum's
 * `SkLearnLinearModel('linear_model.Ridge')`): minimises Σₖ wₖ (yₖ − b − xₖ·β)² + α‖β‖².
 * Solved on weighted-mean-centred data through the normal equations (Xᵀ W X + α I) β = Xᵀ W y,
 * by Gaussian elimination with partial pivoting in float64; a singular system (α = 0 with a
 * constant feature) gives 0 for the undetermined coefficients, and samples that all weigh 0 give
 * a flat fit (all coefficients 0).
 *
 * @param rows - Samples, each `[features]`.
 * @param targets - `[samples]`. @param weights - Sample weights, `[samples]`, ≥ 0.
 */
export function fitRidge(
  rows: readonly ArrayLike<number>[],
  targets: ArrayLike<number>,
  weights: ArrayLike<number>,
  alpha: number,
): RidgeFit {
  const features = rows.length === 0 ? 0 : rows[0].length;
  let totalWeight = 0;
  for (let k = 0; k < rows.length; k++) totalWeight += weights[k];
  // Nothing to fit (every sample weighs 0): a flat surrogate.
  if (!(totalWeight > 0)) return { coefficients: new Float64Array(features), intercept: 0 };
  const meanX = new Float64Array(features);
  let meanY = 0;
  for (let k = 0; k < rows.length; k++) {
    for (let f = 0; f < features; f++) meanX[f] += (weights[k] * rows[k][f]) / totalWeight;
    meanY += (weights[k] * targets[k]) / totalWeight;
  }
  // Augmented matrix [A | c] with A = Xcᵀ W Xc + αI, c = Xcᵀ W yc.
  const width = features + 1;
  const system = new Float64Array(features * width);
  for (let k = 0; k < rows.length; k++) {
    const w = weights[k];
    if (w === 0) continue;
    const yc = targets[k] - meanY;
    for (let i = 0; i < features; i++) {
      const xi = rows[k][i] - meanX[i];
      for (let j = 0; j < features; j++) system[i * width + j] += w * xi * (rows[k][j] - meanX[j]);
      system[i * width + features] += w * xi * yc;
    }
  }
  for (let i = 0; i < features; i++) system[i * width + i] += alpha;
  const coefficients = solve(system, features);
  let intercept = meanY;
  for (let f = 0; f < features; f++) intercept -= coefficients[f] * meanX[f];
  return { coefficients, intercept };
}

/** Solves the `n × (n + 1)` augmented system in place; pivots below a relative tolerance give 0. */
function solve(system: Float64Array, n: number): Float64Array {
  const width = n + 1;
  let scale = 0;
  for (let i = 0; i < n; i++) scale = Math.max(scale, Math.abs(system[i * width + i]));
  const tolerance = Math.max(scale, 1) * 1e-12;
  const pivotOf = new Int32Array(n).fill(-1);
  let row = 0;
  for (let col = 0; col < n && row < n; col++) {
    let best = row;
    for (let r = row + 1; r < n; r++) if (Math.abs(system[r * width + col]) > Math.abs(system[best * width + col])) best = r;
    if (Math.abs(system[best * width + col]) <= tolerance) continue;
    if (best !== row) {
      for (let c = 0; c < width; c++) {
        const t = system[row * width + c];
        system[row * width + c] = system[best * width + c];
        system[best * width + c] = t;
      }
    }
    for (let r = 0; r < n; r++) {
      if (r === row) continue;
      const factor = system[r * width + col] / system[row * width + col];
      if (factor === 0) continue;
      for (let c = col; c < width; c++) system[r * width + c] -= factor * system[row * width + c];
    }
    pivotOf[col] = row;
    row++;
  }
  const solution = new Float64Array(n);
  for (let col = 0; col < n; col++) {
    const r = pivotOf[col];
    if (r >= 0) solution[col] = system[r * width + n] / system[r * width + col];
  }
  return solution;
}
