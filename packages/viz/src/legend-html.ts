import { cssColor } from './css-color';
import { escapeHtml } from './escape-html';
import { formatStepScore, tooltipNumber } from './format-score';
import { NEGATIVE_COLOR, POSITIVE_COLOR } from './score-color';

/** A colour scale as drawn: 0 → `maxAbs`, or `-maxAbs` → `maxAbs` when `signed`. */
export interface LegendScale {
  readonly maxAbs: number;
  readonly signed: boolean;
}

/**
 * A colour legend: the scale's bounds either side of the colour ramp of `scoreColor` (white →
 * red, or blue → white → red when signed). `data-min` / `data-max` hold the bounds as numbers.
 */
export function legendHtml(scale: LegendScale, decimals: number, caption: string, attributes = ''): string {
  const min = scale.signed ? -scale.maxAbs : 0;
  const white = 'rgba(255, 255, 255, 1)';
  const stops = scale.signed ? [cssColor(NEGATIVE_COLOR), white, cssColor(POSITIVE_COLOR)] : [white, cssColor(POSITIVE_COLOR)];
  const meaning = `${scale.signed ? 'blue: negative, red: positive' : 'red: positive'}; opacity: |score| / ${tooltipNumber(scale.maxAbs)}`;
  return [
    `<div class="legend" data-min="${tooltipNumber(min)}" data-max="${tooltipNumber(scale.maxAbs)}"${attributes}>`,
    `<span class="legend-caption">${escapeHtml(caption)}</span>`,
    `<span class="legend-min">${formatStepScore(min, decimals)}</span>`,
    `<span class="bar" style="background: linear-gradient(to right, ${stops.join(', ')})" title="${meaning}" data-tip="${meaning}"></span>`,
    `<span class="legend-max">${formatStepScore(scale.maxAbs, decimals)}</span>`,
    '</div>',
  ].join('');
}
