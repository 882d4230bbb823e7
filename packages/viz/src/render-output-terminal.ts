import type { FeatureAttributionOutput } from '@inseq/core';
import { buildHeatmapView, type HeatmapViewOptions } from './build-heatmap-view';
import { outputViewOptions } from './output-view-options';
import { renderTerminalTable, type TerminalTableOptions } from './render-terminal-table';

/** Options of {@link renderOutputTerminal}: how views are built and how tables are drawn. */
export interface OutputTerminalOptions extends HeatmapViewOptions, TerminalTableOptions {}

/**
 * Terminal tables ({@link renderTerminalTable}) for every sequence of `output`, each under a
 * `Sequence i of n` heading, separated by blank lines.
 */
export function renderOutputTerminal(output: FeatureAttributionOutput, options?: OutputTerminalOptions): string {
  const sequences = output.sequence_attributions;
  const viewOptions = outputViewOptions(output, options);
  return sequences
    .map((sequence, i) => `Sequence ${i + 1} of ${sequences.length}\n${renderTerminalTable(buildHeatmapView(sequence, viewOptions), options)}`)
    .join('\n\n');
}
