/** An sRGB colour with opacity: channels 0–255, alpha 0–1. */
export interface ScoreColor {
  readonly red: number;
  readonly green: number;
  readonly blue: number;
  readonly alpha: number;
}

/** Inseq's `red_transparent_blue_colormap` ends (from SHAP): red for positive scores… */
export const POSITIVE_COLOR: ScoreColor = { red: 255, green: 13, blue: 87, alpha: 1 };
/** …and blue for negative ones. */
export const NEGATIVE_COLOR: ScoreColor = { red: 30, green: 136, blue: 229, alpha: 1 };

/**
 * The colour of a score on a scale symmetric around 0, as Inseq draws heatmaps: red for positive,
 * blue for negative, opacity |value| / maxAbs (clamped to 1), transparent at 0.
 *
 * @param value - The score; NaN has no colour.
 * @param maxAbs - The magnitude drawn at full opacity, usually the largest |value| of the table.
 * @returns The colour, or `null` for NaN.
 */
export function scoreColor(value: number, maxAbs: number): ScoreColor | null {
  if (Number.isNaN(value)) return null;
  const base = value < 0 ? NEGATIVE_COLOR : POSITIVE_COLOR;
  const alpha = maxAbs > 0 ? Math.min(1, Math.abs(value) / maxAbs) : 0;
  return { ...base, alpha };
}

/** `color` painted over a white background, as an opaque colour (for terminals, which have no alpha). */
export function blendOnWhite(color: ScoreColor): ScoreColor {
  const blend = (channel: number) => Math.round(255 + (channel - 255) * color.alpha);
  return { red: blend(color.red), green: blend(color.green), blue: blend(color.blue), alpha: 1 };
}
