import { cssColor } from './css-color';
import { escapeHtml } from './escape-html';
import { decimalsFor, tooltipNumber } from './format-score';
import type { HeatmapToken } from './heatmap-view';
import { jsonNumber } from './json-number';
import { legendHtml } from './legend-html';
import { tokenName } from './render-heatmap-html';
import { scoreColor } from './score-color';
import type { TokenStepScore, TokenView } from './token-view';

/** Options of {@link renderTokenViewHtml}. */
export interface TokenViewHtmlOptions {
  /** Decimals of the attribution legend's bounds. @defaultValue enough for 2 significant digits of `maxAbs` */
  decimals?: number;
}

/**
 * One token view as an HTML fragment (a `<div class="token-view">`, styled by `vizStyles` inside an
 * `.inseq-viz` element, made interactive by `attachVizBehaviour`): the generated tokens as running
 * text, each coloured by `view.stepScore` (a `<select>` offers the others), then the context tokens,
 * a line per side. Hovering or focusing a generated token colours the context by that step's
 * attributions; clicking (or Enter) pins it, clicking again unpins.
 *
 * The script reads only data attributes: on the `.token-view`, `data-max-abs` (the attribution
 * scale) and `data-step-scores` (JSON `{ name: { maxAbs, values } }`); on each generated token,
 * `data-step` and `data-attributions` (JSON, one number per context token, in `data-context`
 * order, `null` where not attributable). Numbers are exact float32 values. Without the script the
 * page still shows the step-score colours and native `title` tooltips.
 */
export function renderTokenViewHtml(view: TokenView, options?: TokenViewHtmlOptions): string {
  const decimals = options?.decimals ?? decimalsFor(view.maxAbs);
  const initial = view.stepScores.find((score) => score.name === view.stepScore);
  const scoreData = Object.fromEntries(
    view.stepScores.map((score) => [score.name, { maxAbs: jsonNumber(score.maxAbs), values: score.values.map(jsonNumber) }]),
  );
  const generated = view.generated.map((token, step) => generatedToken(view, token, step, initial));
  const sides = (['source', 'target'] as const)
    .map((side) => ({ side, tokens: view.context.map((token, index) => ({ token, index })).filter(({ token }) => token.side === side) }))
    .filter(({ tokens }) => tokens.length > 0);
  const contextLines = sides.map(
    ({ side, tokens }) =>
      `<div class="token-line context-line"><span class="line-label">${side === 'source' ? 'source' : 'context'}</span><span class="tokens">${tokens.map(({ token, index }) => contextToken(token, index)).join('')}</span></div>`,
  );
  const stepLegends = view.stepScores.map((score) =>
    legendHtml(score, 2, score.name, ` data-step-score-legend="${escapeHtml(score.name)}"${score === initial ? '' : ' hidden'}`),
  );
  return [
    `<div class="token-view" data-max-abs="${jsonNumber(view.maxAbs) ?? 0}" data-step-scores="${escapeHtml(JSON.stringify(scoreData))}">`,
    `<p class="caption">${caption(view)}</p>`,
    `<div class="token-line generated-line"><span class="line-label">generated</span><span class="tokens">${generated.join('')}</span></div>`,
    ...contextLines,
    ...stepLegends,
    view.context.length > 0 ? legendHtml(view, decimals, 'attribution') : '',
    '</div>',
  ]
    .filter((line) => line !== '')
    .join('\n');
}

function caption(view: TokenView): string {
  const hint = view.context.length > 0 ? ' Hover or click a generated token to colour the context by its attributions; click again to unpin.' : '';
  if (view.stepScores.length === 0) return `Generated tokens.${hint}`;
  if (view.stepScores.length === 1) return `Generated tokens coloured by <strong>${escapeHtml(view.stepScores[0].name)}</strong>.${hint}`;
  const options = view.stepScores.map(
    (score) => `<option value="${escapeHtml(score.name)}"${score.name === view.stepScore ? ' selected' : ''}>${escapeHtml(score.name)}</option>`,
  );
  return `Generated tokens coloured by <select class="step-score-select" aria-label="Step score">${options.join('')}</select>.${hint}`;
}

function generatedToken(view: TokenView, token: HeatmapToken, step: number, initial: TokenStepScore | undefined): string {
  const color = initial ? scoreColor(initial.values[step], initial.maxAbs) : null;
  const style = color ? ` style="background-color: ${cssColor(color)}"` : '';
  const scores = view.stepScores.map((score) => `${score.name}: ${tooltipNumber(score.values[step])}`);
  const tip = escapeHtml([`${token.token} (id ${token.id}, target position ${token.position})`, ...scores].join('\n'));
  const attributions = escapeHtml(JSON.stringify(view.attributions[step].map(jsonNumber)));
  return `<span class="token generated" tabindex="0" role="button" aria-pressed="false" data-step="${step}" data-label="${escapeHtml(tokenName(token))}" data-attributions="${attributions}"${style} title="${tip}" data-tip="${tip}">${escapeHtml(token.label)}</span>`;
}

function contextToken(token: HeatmapToken, index: number): string {
  const tip = escapeHtml(`${token.token} (id ${token.id}, ${token.side} position ${token.position})`);
  return `<span class="token context" data-context="${index}" data-label="${escapeHtml(tokenName(token))}" title="${tip}" data-tip="${tip}">${escapeHtml(token.label)}</span>`;
}
