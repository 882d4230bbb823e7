import { escapeHtml } from './escape-html';
import { FAITHFULNESS_METRICS, type FaithfulnessSummary, faithfulnessCaption, faithfulnessDecimals, formatFaithfulness, formatFaithfulnessColumns } from './faithfulness-summary';

/** Options of {@link renderEvaluationHtml}. */
export interface EvaluationHtmlOptions {
  /** Page title. @defaultValue 'Faithfulness · ' + the model */
  readonly title?: string;
}

const BAR_HEIGHT = 18;
const GAP = 6;
/** Pixels per character of the 12 px monospace labels, a little generous. */
const CHARACTER_WIDTH = 7.5;
const PLOT_WIDTH = 360;
const VALUE_WIDTH = 60;

/**
 * One horizontal bar chart as inline SVG: a bar per method from the zero line (bars may be
 * negative: comprehensiveness and sufficiency can be), the value at its end, and a dashed line at
 * `reference` (chance level) when given.
 */
function barChart(labels: readonly string[], values: readonly number[], reference: number | undefined, highlight: string): string {
  const LABEL_WIDTH = Math.max(80, Math.ceil(Math.max(0, ...labels.map((label) => label.length)) * CHARACTER_WIDTH) + 12);
  const decimals = faithfulnessDecimals(values);
  const finite = [...values, ...(reference === undefined ? [] : [reference])].filter(Number.isFinite);
  const low = Math.min(0, ...finite);
  const high = Math.max(0, ...finite, low + 1e-9);
  const x = (value: number) => LABEL_WIDTH + ((value - low) / (high - low)) * PLOT_WIDTH;
  const height = labels.length * (BAR_HEIGHT + GAP) + GAP;
  const width = LABEL_WIDTH + PLOT_WIDTH + VALUE_WIDTH;
  const zero = x(0);
  const bars = labels.map((label, i) => {
    const y = GAP + i * (BAR_HEIGHT + GAP);
    const value = values[i];
    const text = `<text x="${LABEL_WIDTH - 8}" y="${y + BAR_HEIGHT - 5}" text-anchor="end">${escapeHtml(label)}</text>`;
    if (!Number.isFinite(value)) return `${text}<text x="${zero + 4}" y="${y + BAR_HEIGHT - 5}">–</text>`;
    const [from, to] = value >= 0 ? [zero, x(value)] : [x(value), zero];
    const fill = label === 'random' ? '#9ca3af' : highlight;
    return (
      `${text}<rect x="${from.toFixed(1)}" y="${y}" width="${Math.max(to - from, 0.5).toFixed(1)}" height="${BAR_HEIGHT}" fill="${fill}"><title>${escapeHtml(label)}: ${formatFaithfulness(value, decimals)}</title></rect>` +
      `<text x="${(Math.max(to, zero) + 4).toFixed(1)}" y="${y + BAR_HEIGHT - 5}">${formatFaithfulness(value, decimals)}</text>`
    );
  });
  const referenceLine =
    reference === undefined || !Number.isFinite(reference)
      ? ''
      : `<line x1="${x(reference).toFixed(1)}" x2="${x(reference).toFixed(1)}" y1="0" y2="${height}" stroke="#111827" stroke-dasharray="4 3"><title>chance ${formatFaithfulness(reference)}</title></line>`;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img">` +
    `<line x1="${zero.toFixed(1)}" x2="${zero.toFixed(1)}" y1="0" y2="${height}" stroke="#6b7280"/>${bars.join('')}${referenceLine}</svg>`
  );
}

function htmlTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const head = `<tr>${header.map((title) => `<th>${escapeHtml(title)}</th>`).join('')}</tr>`;
  const body = rows.map((row) => `<tr>${row.map((text, c) => (c === 0 ? `<th>${escapeHtml(text)}</th>` : `<td>${escapeHtml(text)}</td>`)).join('')}</tr>`);
  return `<table>${head}${body.join('')}</table>`;
}

/**
 * The evaluation as a standalone HTML page (inline CSS and SVG, no script, no network): the
 * caption, a bar chart per metric (methods as bars, the `random` baseline in grey, chance level
 * dashed on the hit charts, ↑ / ↓ saying which direction is better), the table of every score
 * and, with several phenomena, hit@1 per phenomenon.
 */
export function renderEvaluationHtml(summary: FaithfulnessSummary, options: EvaluationHtmlOptions = {}): string {
  const title = options.title ?? `Faithfulness · ${summary.model}`;
  const labels = summary.methods.map((row) => row.method);
  const charts = FAITHFULNESS_METRICS.map((metric) => {
    const reference = metric.key === 'hitAt1' ? summary.chanceHitAt1 : metric.key === 'hitAtK' ? summary.chanceHitAtK : undefined;
    const values = summary.methods.map((row) => row.overall[metric.key]);
    const color = metric.better === 'higher' ? '#dc2626' : '#2563eb';
    const heading = `${metric.header(summary.k)} (${metric.better} is better${reference === undefined ? '' : '; dashed: chance'})`;
    return `<figure><figcaption>${escapeHtml(heading)}</figcaption>${barChart(labels, values, reference, color)}</figure>`;
  });
  const cells = formatFaithfulnessColumns(summary.methods.map((row) => row.overall));
  const table = htmlTable(
    ['method', ...FAITHFULNESS_METRICS.map((metric) => metric.header(summary.k))],
    summary.methods.map((row, r) => [row.method, ...cells[r]]),
  );
  const byPhenomenon =
    summary.phenomena.length > 1
      ? `<h2>hit@1 by phenomenon</h2>${htmlTable(
          ['method', ...summary.phenomena],
          summary.methods.map((row) => [row.method, ...summary.phenomena.map((name) => formatFaithfulness(row.byPhenomenon[name]?.hitAt1 ?? Number.NaN))]),
        )}`
      : '';
  const styles =
    'body{font-family:system-ui,sans-serif;margin:2rem;color:#111827}figure{margin:1rem 0}figcaption{font-weight:600;margin-bottom:.25rem}' +
    'svg text{font-size:12px;font-family:ui-monospace,monospace}table{border-collapse:collapse;margin:1rem 0}' +
    'th,td{padding:.2rem .6rem;border-bottom:1px solid #e5e7eb;font-family:ui-monospace,monospace;font-size:13px}td{text-align:right}th{text-align:left}';
  return (
    `<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title><style>${styles}</style></head><body>` +
    `<h1>${escapeHtml(title)}</h1><p>${escapeHtml(faithfulnessCaption(summary))}</p>${charts.join('')}<h2>Scores</h2>${table}${byPhenomenon}</body></html>\n`
  );
}
