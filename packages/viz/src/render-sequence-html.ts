import type { SequenceAttribution } from '@inseq/core';
import { buildHeatmapView } from './build-heatmap-view';
import type { TokenViewOptions } from './build-token-view';
import { renderViewSection, type SectionHtmlOptions } from './render-view-section';

/** Options of {@link renderSequenceHtml}: how the view is built and which parts are drawn. */
export interface SequenceHtmlOptions extends TokenViewOptions, SectionHtmlOptions {}

/**
 * One sequence as an HTML fragment for a page to insert: a `<section class="inseq-viz">` holding
 * its heatmap (`renderHeatmapHtml`) and, under it, its token view (`renderTokenViewHtml`). Style it
 * with `vizStyles` and make it interactive with `attachVizBehaviour(container)`; the fragment
 * holds no script and makes no request.
 *
 * @throws InvalidInputError as `buildHeatmapView` and `buildTokenView` do.
 */
export function renderSequenceHtml(sequence: SequenceAttribution, options?: SequenceHtmlOptions): string {
  return renderViewSection(buildHeatmapView(sequence, options), options);
}
