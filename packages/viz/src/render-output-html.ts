import type { FeatureAttributionOutput } from '@inseq/core';
import { buildHeatmapView, type HeatmapViewOptions } from './build-heatmap-view';
import { outputViewOptions } from './output-view-options';
import { type HtmlOptions, renderHtml } from './render-html';

/** Options of {@link renderOutputHtml}: how views are built and how the document is drawn. */
export interface OutputHtmlOptions extends HeatmapViewOptions, HtmlOptions {}

/**
 * A standalone HTML document ({@link renderHtml}) for every sequence of `output`: its interactive
 * heatmap and, under it, its token view (`heatmap: false` / `tokenView: false` leave one out).
 */
export function renderOutputHtml(output: FeatureAttributionOutput, options?: OutputHtmlOptions): string {
  const viewOptions = outputViewOptions(output, options);
  return renderHtml(
    output.sequence_attributions.map((sequence) => buildHeatmapView(sequence, viewOptions)),
    options,
  );
}
