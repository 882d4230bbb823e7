import { NEGATIVE_COLOR, POSITIVE_COLOR, defaultAggregationFunction, renderSequenceHtml, vizScript, vizStyles } from 'inseq';
import type { BiasCaseStudyResult, BiasOccupationSummary } from './run-bias-case-study';

const ENTITIES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (character) => ENTITIES[character]);

const percent = (value: number) => `${(value * 100).toFixed(1)}%`;
const rateLabel = (value: number) => `${Number((value * 100).toFixed(1))}%`;
const probability = (value: number) => (value !== 0 && Math.abs(value) < 1e-3 ? value.toExponential(2) : value.toFixed(4));

/** The bar colour of a stated she-rate: the heatmaps' blue at 0, their red at 1, mixed between. */
export function statedRateColor(rate: number): string {
  const mix = (from: number, to: number) => Math.round(from + (to - from) * Math.min(1, Math.max(0, rate)));
  return `rgb(${mix(NEGATIVE_COLOR.red, POSITIVE_COLOR.red)}, ${mix(NEGATIVE_COLOR.green, POSITIVE_COLOR.green)}, ${mix(NEGATIVE_COLOR.blue, POSITIVE_COLOR.blue)})`;
}

/**
 * An inline SVG bar chart of the model's she-rate per occupation, grouped (and coloured) by the
 * stated corpus rate, highest first, with a dashed line at each group's stated rate. Each bar is a
 * `<rect class="bar" data-occupation data-she-rate>` with a `<title>` tooltip.
 */
export function renderSheRateChart(occupations: readonly BiasOccupationSummary[]): string {
  const rates = [...new Set(occupations.map((occupation) => occupation.statedSheRate))].sort((a, b) => b - a);
  const [left, top, plotHeight, bottom, barWidth, barGap, groupGap] = [52, 36, 220, 80, 22, 8, 26];
  const y = (value: number) => top + plotHeight * (1 - value);
  const parts: string[] = [];
  let x = left + groupGap / 2;
  for (const rate of rates) {
    const group = occupations.filter((occupation) => occupation.statedSheRate === rate);
    // A group is at least as wide as its heading; its bars are centred in it.
    const barsWidth = group.length * (barWidth + barGap) - barGap;
    const groupWidth = Math.max(barsWidth, 96);
    const start = x;
    x += (groupWidth - barsWidth) / 2;
    for (const occupation of group) {
      const height = plotHeight * occupation.sheRate;
      const tip = `${occupation.occupation}: model she-rate ${percent(occupation.sheRate)} (corpus ${percent(rate)})`;
      parts.push(
        `<rect class="bar" data-occupation="${escapeHtml(occupation.occupation)}" data-she-rate="${occupation.sheRate}" x="${x}" y="${y(occupation.sheRate).toFixed(2)}" width="${barWidth}" height="${height.toFixed(2)}" fill="${statedRateColor(rate)}"><title>${escapeHtml(tip)}</title></rect>`,
        `<text x="${x + barWidth / 2}" y="${top + plotHeight + 10}" transform="rotate(-45 ${x + barWidth / 2} ${top + plotHeight + 10})" text-anchor="end" font-size="11">${escapeHtml(occupation.occupation)}</text>`,
      );
      x += barWidth + barGap;
    }
    const end = start + groupWidth;
    x = end + barGap;
    parts.push(
      `<line x1="${start - 4}" x2="${end + 4}" y1="${y(rate)}" y2="${y(rate)}" stroke="#222" stroke-dasharray="4 3" />`,
      `<text x="${(start + end) / 2}" y="${top - 12}" text-anchor="middle" font-size="12" font-weight="600">corpus ${rateLabel(rate)} she</text>`,
    );
    x += groupGap;
  }
  const width = x + 8;
  const ticks = [0, 0.25, 0.5, 0.75, 1].map(
    (tick) =>
      `<line x1="${left}" x2="${width - 8}" y1="${y(tick)}" y2="${y(tick)}" stroke="#ddd" /><text x="${left - 6}" y="${y(tick) + 4}" text-anchor="end" font-size="11">${tick * 100}%</text>`,
  );
  return [
    `<svg class="she-rate-chart" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${top + plotHeight + bottom}" role="img" aria-label="Model she-rate per occupation, grouped by the corpus rate">`,
    ...ticks,
    `<text x="14" y="${top + plotHeight / 2}" transform="rotate(-90 14 ${top + plotHeight / 2})" text-anchor="middle" font-size="12">P(she) / (P(she) + P(he))</text>`,
    ...parts,
    '</svg>',
  ].join('\n');
}

const PAGE_STYLE = `
body { margin: 24px; max-width: 72rem; color: #1b1b1b; background: #fff; font-family: system-ui, -apple-system, "Segoe UI", sans-serif; }
h1 { font-size: 22px; } h2 { font-size: 18px; margin-top: 2rem; }
table.numbers { border-collapse: collapse; margin: 0.5rem 0 1rem; }
table.numbers th, table.numbers td { border-bottom: 1px solid #ddd; padding: 3px 10px; text-align: right; white-space: nowrap; }
table.numbers th:first-child, table.numbers td:first-child { text-align: left; }
.swatch { display: inline-block; width: 0.8em; height: 0.8em; margin-right: 0.3em; vertical-align: baseline; }
.muted { color: #666; }
`;

/**
 * The case study as one standalone HTML document: what was measured and how, a table per
 * occupation and per prompt, the she-rate chart ({@link renderSheRateChart}) and each prompt's
 * heatmap and token view (`@inseq/viz`). Styles and script are inline: it loads nothing.
 */
export function renderBiasReport(result: BiasCaseStudyResult): string {
  const args = JSON.stringify(result.attributionArgs);
  const occupationRows = result.occupations.map(
    (occupation) =>
      `<tr data-occupation="${escapeHtml(occupation.occupation)}"><td><span class="swatch" style="background: ${statedRateColor(occupation.statedSheRate)}"></span>${escapeHtml(occupation.occupation)}</td><td>${percent(occupation.statedSheRate)}</td><td>${percent(occupation.sheRate)}</td><td>${percent(occupation.occupationShare)}</td><td>${occupation.topCount} / ${occupation.promptCount}</td></tr>`,
  );
  const promptRows = result.prompts.map(
    (prompt) =>
      `<tr><td>${escapeHtml(prompt.prompt)}</td><td>${probability(prompt.pShe)}</td><td>${probability(prompt.pHe)}</td><td>${percent(prompt.sheRate)}</td><td>${percent(prompt.occupationShare)}</td><td>${prompt.occupationSigned >= 0 ? '+' : '−'}${Math.abs(prompt.occupationSigned).toExponential(2)}</td><td>${escapeHtml(prompt.topWord)}</td></tr>`,
  );
  const aggregateFn = defaultAggregationFunction(result.method);
  const heatmaps = result.prompts.map((prompt) =>
    renderSequenceHtml(prompt.output.sequence_attributions[0], { aggregateFn, heading: prompt.prompt, stepScore: 'probability' }),
  );
  const title = `Bias case study · ${result.model}`;
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(title)}</title>`,
    `<style>${PAGE_STYLE}${vizStyles}</style>`,
    '</head>',
    '<body>',
    `<h1>${escapeHtml(title)}</h1>`,
    '<p>After "The nurse said that", does the model say <em>she</em> or <em>he</em>, and which word of the prompt decides? ' +
      'For each occupation and template the model is forced to continue with " she", and at that step we read ' +
      'P(" she") and P(" he"). The <strong>she-rate</strong> is P(she) / (P(she) + P(he)): how often it would pick "she" if it had to pick one of the two; ' +
      'the corpus the demo model was trained on used " she" at the stated rate.</p>',
    `<p>The attribution explains P(" she") − P(" he") (<code>${result.attributedFn}</code>, contrastive) with <code>${escapeHtml(result.method)}</code> ` +
      `(${escapeHtml(args)}): attributing one pronoun's probability would also credit what makes any pronoun likely after "said that"; the contrast keeps what tips the choice. ` +
      "Each prompt token's attribution is reduced over the hidden size (L2 norm) and summed over the word's subword tokens; the <strong>occupation share</strong> is the occupation's part of the prompt's total, " +
      'and the <strong>signed</strong> sum says which way it pushes (+ toward she, − toward he). If the model learnt the corpus, skewed occupations get the largest share and she-rates near their stated rate.</p>',
    '<h2>She-rate per occupation</h2>',
    renderSheRateChart(result.occupations),
    `<p class="muted">Bars: the model's she-rate, mean over the ${result.occupations[0]?.promptCount ?? 0} template(s), coloured by the corpus rate; dashed lines: the corpus rate of each group.</p>`,
    '<h2>Per occupation (mean over templates)</h2>',
    '<table class="numbers occupations"><thead><tr><th>occupation</th><th>corpus she-rate</th><th>model she-rate</th><th>occupation share</th><th>occupation on top</th></tr></thead>',
    `<tbody>${occupationRows.join('\n')}</tbody></table>`,
    '<h2>Per prompt</h2>',
    '<table class="numbers prompts"><thead><tr><th>prompt</th><th>P(she)</th><th>P(he)</th><th>she-rate</th><th>occupation share</th><th>occupation signed</th><th>top word</th></tr></thead>',
    `<tbody>${promptRows.join('\n')}</tbody></table>`,
    '<h2>Heatmaps</h2>',
    `<p class="muted">Columns: the generated " she"; rows: the prompt tokens, coloured by the ${escapeHtml(aggregateFn)} of their attribution to P(she) − P(he).</p>`,
    ...heatmaps,
    `<script>${vizScript}</script>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
