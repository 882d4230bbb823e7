import { cssColor } from './css-color';
import { escapeHtml } from './escape-html';
import { decimalsFor, formatScore, formatStepScore, tooltipNumber } from './format-score';
import type { HeatmapToken, HeatmapView } from './heatmap-view';
import { legendHtml } from './legend-html';
import { scoreColor } from './score-color';

/** Options of {@link renderHeatmapHtml}. */
export interface HeatmapHtmlOptions {
  /** Decimals of each score shown in a cell (tooltips hold the value at float32 precision). @defaultValue enough for 2 significant digits of `maxAbs` */
  decimals?: number;
}

/**
 * One heatmap as an HTML fragment (a `<div class="heatmap-view">`, styled by `vizStyles` inside an
 * `.inseq-viz` element): a table with generated tokens as columns and attributed tokens as rows,
 * each header showing the token and its index; cells coloured red (positive) / blue (negative)
 * with opacity |score| / `view.maxAbs`; NaN cells empty; step scores under the scores; and a
 * colour legend with the scale's bounds. Each cell's `title` holds its value at float32 precision
 * and `data-tip` the value with its row and column tokens (the styled tooltip of
 * `attachVizBehaviour`). Every token is HTML-escaped.
 */
export function renderHeatmapHtml(view: HeatmapView, options?: HeatmapHtmlOptions): string {
  const decimals = options?.decimals ?? decimalsFor(view.maxAbs);
  const header = `<tr><th></th>${view.columns.map((column) => tokenCell(column, 'col')).join('')}</tr>`;
  const body = view.rows.map((row, r) => {
    const sectionStart = r > 0 && row.side !== view.rows[r - 1].side ? ' class="section-start"' : '';
    const cells = view.values[r].map((value, c) => scoreCell(value, view, row, view.columns[c], decimals)).join('');
    return `<tr${sectionStart}>${tokenCell(row, 'row')}${cells}</tr>`;
  });
  const stepRows = view.stepScores.map((row, i) => {
    const sectionStart = i === 0 ? ' class="section-start"' : '';
    const cells = row.values
      .map((value, c) => {
        const tip = escapeHtml(`${row.name}: ${tooltipNumber(value)}\nat ${tokenName(view.columns[c])}`);
        return `<td title="${tooltipNumber(value)}" data-tip="${tip}">${formatStepScore(value, decimals)}</td>`;
      })
      .join('');
    return `<tr${sectionStart}><th>${escapeHtml(row.name)}</th>${cells}</tr>`;
  });
  const caption = `x: generated tokens, y: attributed tokens${view.aggregated ? ` · extra axes aggregated (${escapeHtml(view.aggregateFn ?? 'vnorm')}) and normalised per step` : ''}`;
  return [
    '<div class="heatmap-view">',
    `<p class="caption">${caption}</p>`,
    '<div class="scroll"><table class="heatmap">',
    `<thead>${header}</thead>`,
    `<tbody>${body.join('\n')}</tbody>`,
    stepRows.length > 0 ? `<tbody class="step-scores">${stepRows.join('\n')}</tbody>` : '',
    '</table></div>',
    legendHtml(view, decimals, 'attribution'),
    '</div>',
  ]
    .filter((line) => line !== '')
    .join('\n');
}

/** `' France' (target 3)`: how tooltips name a token. */
export function tokenName(token: HeatmapToken): string {
  return `${token.label} (${token.side} ${token.position})`;
}

function tokenCell(token: HeatmapToken, scope: 'row' | 'col'): string {
  const tip = escapeHtml(`${token.token} (id ${token.id}, ${token.side} position ${token.position})`);
  return `<th scope="${scope}" title="${tip}" data-tip="${tip}">${escapeHtml(token.label)}<span class="index">${token.position}</span></th>`;
}

function scoreCell(value: number, view: HeatmapView, row: HeatmapToken, column: HeatmapToken, decimals: number): string {
  const color = scoreColor(value, view.maxAbs);
  const where = `${tokenName(row)} → ${tokenName(column)}`;
  if (color === null) {
    return `<td class="empty" title="not attributable at this step" data-tip="${escapeHtml(`not attributable at this step\n${where}`)}"></td>`;
  }
  const tip = escapeHtml(`${tooltipNumber(value)}\n${where}`);
  return `<td style="background-color: ${cssColor(color)}" title="${tooltipNumber(value)}" data-tip="${tip}">${formatScore(value, decimals)}</td>`;
}
