import { type HeatmapView, scoreColor } from 'inseq';

/** The viz package's colour scale (red positive, blue negative) as a CSS colour. */
function background(value: number, maxAbs: number): string {
  const color = scoreColor(value, maxAbs);
  return color === null ? 'transparent' : `rgba(${color.red}, ${color.green}, ${color.blue}, ${color.alpha.toFixed(3)})`;
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function cell(value: number, maxAbs: number): string {
  if (!Number.isFinite(value)) return '<td class="nan" data-value="NaN"></td>';
  return `<td data-value="${value}" style="background:${background(value, maxAbs)}" title="${value}">${value.toFixed(3)}</td>`;
}

/**
 * One sequence's heatmap as a table: attributed tokens down, generated tokens across, step scores
 * below. Every score cell carries its exact value in `data-value` (what the browser test reads).
 */
export function renderHeatmap(view: HeatmapView, index: number): string {
  const head = view.columns.map((token) => `<th title="${escapeHtml(token.token)}">${escapeHtml(token.label)}</th>`).join('');
  const rows = view.rows
    .map((token, r) => `<tr><th class="row" title="${escapeHtml(token.token)}">${escapeHtml(token.label)}</th>${view.values[r].map((v) => cell(v, view.maxAbs)).join('')}</tr>`)
    .join('');
  const steps = view.stepScores
    .map((row) => `<tr class="step-score" data-step-score="${escapeHtml(row.name)}"><th class="row">${escapeHtml(row.name)}</th>${row.values.map((v) => `<td data-value="${v}">${v.toFixed(3)}</td>`).join('')}</tr>`)
    .join('');
  return `<table class="heatmap" data-sequence="${index}"><thead><tr><th></th>${head}</tr></thead><tbody>${rows}</tbody><tfoot>${steps}</tfoot></table>`;
}

/** The tokens of a sequence, each shaded by its total |score| over the generated tokens. */
export function renderTokenView(view: HeatmapView): string {
  const totals = view.values.map((row) => row.reduce((sum, v) => (Number.isFinite(v) ? sum + Math.abs(v) : sum), 0));
  const max = Math.max(1e-12, ...totals);
  const tokens = view.rows
    .map((token, r) => {
      return `<span class="token" style="background:${background(totals[r], max)}" title="${totals[r].toFixed(4)}">${escapeHtml(token.label)}</span>`;
    })
    .join('');
  const generated = view.columns.map((token) => `<span class="token generated">${escapeHtml(token.label)}</span>`).join('');
  return `<p class="token-view">${tokens}${generated}</p>`;
}
