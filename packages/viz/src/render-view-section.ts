import { tokenViewFromHeatmap } from './build-token-view';
import { escapeHtml } from './escape-html';
import type { HeatmapView } from './heatmap-view';
import { renderHeatmapHtml } from './render-heatmap-html';
import { renderTokenViewHtml } from './render-token-view-html';

/** Which parts of a sequence's section are drawn, and how. */
export interface SectionHtmlOptions {
  /** Heading of the section (`<h2>`). @defaultValue none */
  heading?: string;
  /** Decimals of each score shown in a heatmap cell. @defaultValue enough for 2 significant digits of the largest score */
  decimals?: number;
  /** Draw the heatmap. @defaultValue true */
  heatmap?: boolean;
  /** Draw the token view under the heatmap. @defaultValue true */
  tokenView?: boolean;
  /** The step score colouring the token view's generated tokens at first. @defaultValue `'probability'` when shown, else the first */
  stepScore?: string;
}

/** A `<section class="inseq-viz">` with the heatmap and token view of `view`, as options ask. */
export function renderViewSection(view: HeatmapView, options?: SectionHtmlOptions): string {
  const parts = ['<section class="inseq-viz">'];
  if (options?.heading !== undefined) parts.push(`<h2>${escapeHtml(options.heading)}</h2>`);
  if (options?.heatmap !== false) parts.push(renderHeatmapHtml(view, options));
  if (options?.tokenView !== false) parts.push(renderTokenViewHtml(tokenViewFromHeatmap(view, options?.stepScore), options));
  parts.push('</section>');
  return parts.join('\n');
}
