/**
 * A score as shown in a cell: fixed `decimals`, an empty string for NaN, and no `-0.00` (the
 * colour already shows the sign of a score too small to print).
 */
export function formatScore(value: number, decimals: number): string {
  if (Number.isNaN(value)) return '';
  const text = value.toFixed(decimals);
  return Number(text) === 0 ? (0).toFixed(decimals) : text;
}
