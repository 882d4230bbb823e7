import type { ScoreColor } from './score-color';

/** `color` as a CSS `rgba(…)`; alpha to 3 decimals, as `attachVizBehaviour` writes it too. */
export function cssColor(color: ScoreColor): string {
  return `rgba(${color.red}, ${color.green}, ${color.blue}, ${Number(color.alpha.toFixed(3))})`;
}
