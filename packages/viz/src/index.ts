export type { HeatmapToken, HeatmapView, StepScoreRow } from './heatmap-view';
export { buildHeatmapView, type HeatmapViewOptions } from './build-heatmap-view';
export { renderTerminalTable, type TerminalTableOptions } from './render-terminal-table';
export { renderHtml, type HtmlOptions } from './render-html';
export { renderOutputTerminal, type OutputTerminalOptions } from './render-output-terminal';
export { renderOutputHtml, type OutputHtmlOptions } from './render-output-html';

export { cleanToken } from './clean-token';
export { displayToken } from './display-token';
export { textWidth } from './text-width';
export { blendOnWhite, NEGATIVE_COLOR, POSITIVE_COLOR, scoreColor, type ScoreColor } from './score-color';
