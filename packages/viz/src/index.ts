export type { HeatmapToken, HeatmapView, StepScoreRow } from './heatmap-view';
export type { TokenStepScore, TokenView } from './token-view';
export { buildHeatmapView, type HeatmapViewOptions } from './build-heatmap-view';
export { buildTokenView, tokenViewFromHeatmap, type TokenViewOptions } from './build-token-view';
export { renderTerminalTable, type TerminalTableOptions } from './render-terminal-table';
export { renderHtml, type HtmlOptions } from './render-html';
export { renderHeatmapHtml, type HeatmapHtmlOptions } from './render-heatmap-html';
export { renderTokenViewHtml, type TokenViewHtmlOptions } from './render-token-view-html';
export { renderSequenceHtml, type SequenceHtmlOptions } from './render-sequence-html';
export type { SectionHtmlOptions } from './render-view-section';
export { vizStyles } from './viz-styles';
export { vizScript } from './viz-script';
export { attachVizBehaviour } from './attach-viz-behaviour';
export { renderOutputTerminal, type OutputTerminalOptions } from './render-output-terminal';
export { renderOutputHtml, type OutputHtmlOptions } from './render-output-html';

export { cleanToken } from './clean-token';
export { displayToken } from './display-token';
export { textWidth } from './text-width';
export { blendOnWhite, NEGATIVE_COLOR, POSITIVE_COLOR, scoreColor, type ScoreColor } from './score-color';

export {
  FAITHFULNESS_METRICS,
  type FaithfulnessScores,
  type FaithfulnessSummary,
  type MethodFaithfulness,
  faithfulnessCaption,
  faithfulnessDecimals,
  formatFaithfulness,
  formatFaithfulnessColumns,
} from './faithfulness-summary';
export { type EvaluationTerminalOptions, renderEvaluationTerminal } from './render-evaluation-terminal';
export { renderEvaluationMarkdown } from './render-evaluation-markdown';
export { renderEvaluationHtml, type EvaluationHtmlOptions } from './render-evaluation-html';
export { EVALUATION_BLOCK_MARKERS, replaceMarkedBlock } from './replace-marked-block';
export { renderOutputSvg, renderSvg, SVG_FONT_FAMILY, type OutputSvgOptions, type SvgOptions } from './svg/render-svg';
export { escapeXml } from './svg/escape-xml';
export { escapeHtml } from './escape-html';
