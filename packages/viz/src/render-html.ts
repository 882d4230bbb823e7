import { escapeHtml } from './escape-html';
import { decimalsFor, formatScore, formatStepScore } from './format-score';
import type { HeatmapToken, HeatmapView } from './heatmap-view';
import { NEGATIVE_COLOR, POSITIVE_COLOR, type ScoreColor, scoreColor } from './score-color';

/** Options of {@link renderHtml}. */
export interface HtmlOptions {
  /** Document title and heading. @defaultValue 'Inseq attributions' */
  title?: string;
  /** Decimals of each score shown in a cell (tooltips hold the full value). @defaultValue 2 */
  decimals?: number;
}

const STYLE = `
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 24px; color: #1b1b1b; background: #fff; }
h1 { font-size: 20px; } h2 { font-size: 16px; margin: 28px 0 4px; }
.caption { color: #555; font-size: 13px; margin: 0 0 8px; }
.scroll { overflow-x: auto; }
table.heatmap { border-collapse: collapse; font-size: 13px; font-variant-numeric: tabular-nums; }
.heatmap th, .heatmap td { border: 1px solid #ddd; padding: 4px 8px; white-space: pre; text-align: center; }
.heatmap td { text-align: right; color: #000; }
.heatmap tbody th { text-align: left; }
.heatmap th { font-weight: 600; background: #fafafa; }
.heatmap tr.section-start > * { border-top: 2px solid #777; }
.heatmap .step-scores td, .heatmap .step-scores th { background: #f3f3f3; }
.legend { display: flex; align-items: center; gap: 8px; margin: 8px 0 0; font-size: 12px; color: #555; }
.legend .bar { width: 240px; height: 12px; border: 1px solid #ccc; }
`;

/**
 * A complete standalone HTML document (inline CSS, no script, no external resource) with one
 * heatmap table per view: attributed tokens as rows, generated tokens as columns, the same
 * red (positive) / blue (negative) scale as the terminal table with opacity |score| / max |score|
 * of the table, a colour legend, and step scores under the scores. Every token is HTML-escaped;
 * cell tooltips (`title`) hold the score at float32 precision, token tooltips the raw token and its id.
 */
export function renderHtml(views: HeatmapView | readonly HeatmapView[], options?: HtmlOptions): string {
  const list: readonly HeatmapView[] = Array.isArray(views) ? views : [views as HeatmapView];
  const title = options?.title ?? 'Inseq attributions';
  const sections = list.map((view, i) =>
    renderSection(view, list.length > 1 ? `Sequence ${i + 1}` : undefined, options?.decimals ?? decimalsFor(view.maxAbs)),
  );
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(title)}</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    `<h1>${escapeHtml(title)}</h1>`,
    ...sections,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

function renderSection(view: HeatmapView, heading: string | undefined, decimals: number): string {
  const header = `<tr><th></th>${view.columns.map((column) => tokenCell(column)).join('')}</tr>`;
  const body = view.rows.map((row, r) => {
    const sectionStart = r > 0 && row.side !== view.rows[r - 1].side ? ' class="section-start"' : '';
    const cells = view.values[r].map((value) => scoreCell(value, view.maxAbs, decimals)).join('');
    return `<tr${sectionStart}>${tokenCell(row)}${cells}</tr>`;
  });
  const stepRows = view.stepScores.map((row, i) => {
    const sectionStart = i === 0 ? ' class="section-start"' : '';
    const cells = row.values.map((value) => `<td title="${tooltipNumber(value)}">${formatStepScore(value, decimals)}</td>`).join('');
    return `<tr${sectionStart}><th>${escapeHtml(row.name)}</th>${cells}</tr>`;
  });
  const caption = `x: generated tokens, y: attributed tokens${view.aggregated ? ` · extra axes aggregated (${escapeHtml(view.aggregateFn ?? 'vnorm')}) and normalised per step` : ''}`;
  return [
    '<section>',
    heading ? `<h2>${escapeHtml(heading)}</h2>` : '',
    `<p class="caption">${caption}</p>`,
    '<div class="scroll"><table class="heatmap">',
    `<thead>${header}</thead>`,
    `<tbody>${body.join('\n')}</tbody>`,
    stepRows.length > 0 ? `<tbody class="step-scores">${stepRows.join('\n')}</tbody>` : '',
    '</table></div>',
    legend(view.maxAbs, decimals),
    '</section>',
  ]
    .filter((line) => line !== '')
    .join('\n');
}

function tokenCell(token: HeatmapToken): string {
  return `<th title="${escapeHtml(`${token.token} (id ${token.id}, ${token.side} position ${token.position})`)}">${escapeHtml(token.label)}</th>`;
}

function scoreCell(value: number, maxAbs: number, decimals: number): string {
  const color = scoreColor(value, maxAbs);
  if (color === null) return '<td class="empty" title="not attributable at this step"></td>';
  return `<td style="background-color: ${rgba(color)}" title="${tooltipNumber(value)}">${formatScore(value, decimals)}</td>`;
}

function legend(maxAbs: number, decimals: number): string {
  const gradient = `linear-gradient(to right, ${rgba(NEGATIVE_COLOR)}, rgba(255, 255, 255, 1), ${rgba(POSITIVE_COLOR)})`;
  return [
    '<div class="legend">',
    `<span>${formatScore(-maxAbs, decimals)}</span>`,
    `<span class="bar" style="background: ${gradient}" title="blue: negative, red: positive; opacity: |score| / ${tooltipNumber(maxAbs)}"></span>`,
    `<span>${formatScore(maxAbs, decimals)}</span>`,
    '</div>',
  ].join('');
}

/** Scores are float32: 7 significant digits hold all they say. */
function tooltipNumber(value: number): string {
  return String(Number(value.toPrecision(7)));
}

function rgba(color: ScoreColor): string {
  return `rgba(${color.red}, ${color.green}, ${color.blue}, ${Number(color.alpha.toFixed(3))})`;
}
