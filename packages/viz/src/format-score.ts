/**
 * A score as shown in a cell: fixed `decimals`, an empty string for NaN, and no `-0.00` (the
 * colour already shows the sign of a score too small to print).
 */
export function formatScore(value: number, decimals: number): string {
  if (Number.isNaN(value)) return '';
  const text = value.toFixed(decimals);
  return Number(text) === 0 ? (0).toFixed(decimals) : text;
}

/**
 * A step score as shown under the table. Unlike normalised attributions these have any scale
 * (a probability of 3e-4 must not print as `0.00`), so tiny and huge values switch to exponent form.
 */
export function formatStepScore(value: number, decimals: number): string {
  if (Number.isNaN(value)) return '';
  const magnitude = Math.abs(value);
  if (value !== 0 && (magnitude < 0.5 * 10 ** -decimals || magnitude >= 1e5)) return value.toExponential(1);
  return formatScore(value, decimals);
}

/**
 * Decimals that show the largest score of a table with at least two significant digits: 2 for
 * normalised attributions, more for raw perturbation effects such as 3e-4.
 */
export function decimalsFor(maxAbs: number, minimum = 2): number {
  if (!(maxAbs > 0) || !Number.isFinite(maxAbs)) return minimum;
  return Math.min(8, Math.max(minimum, 1 - Math.floor(Math.log10(maxAbs))));
}

/** A score in a tooltip. Scores are float32: 7 significant digits hold all they say. */
export function tooltipNumber(value: number): string {
  return Number.isNaN(value) ? 'NaN' : String(Number(value.toPrecision(7)));
}
