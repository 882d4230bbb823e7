/**
 * `value` as written into JSON data for the page's script: `null` for NaN and ±Infinity (which
 * JSON cannot hold), and for a float32 value the shortest decimal that reads back as the same
 * float32 (`0.29411765933036804` → `0.29411766`), so data attributes stay short yet exact.
 */
export function jsonNumber(value: number): number | null {
  if (!Number.isFinite(value)) return null;
  if (Math.fround(value) !== value) return value;
  for (let digits = 1; digits < 9; digits++) {
    const shorter = Number(value.toPrecision(digits));
    if (Math.fround(shorter) === value) return shorter;
  }
  return Number(value.toPrecision(9));
}
