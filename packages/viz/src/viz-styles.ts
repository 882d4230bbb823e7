/**
 * The CSS of the heatmap and token view fragments (`renderSequenceHtml`, `renderHeatmapHtml`,
 * `renderTokenViewHtml`), scoped under `.inseq-viz`, and of the tooltip `attachVizBehaviour`
 * adds. A page that inserts the fragments adds this once, e.g. in a `<style>` element.
 */
export const vizStyles = `
.inseq-viz { color: #1b1b1b; font-family: system-ui, -apple-system, "Segoe UI", sans-serif; }
.inseq-viz h2 { font-size: 16px; margin: 28px 0 4px; }
.inseq-viz .caption { color: #555; font-size: 13px; margin: 12px 0 8px; }
.inseq-viz .scroll { overflow-x: auto; }
.inseq-viz table.heatmap { border-collapse: collapse; font-size: 13px; font-variant-numeric: tabular-nums; }
.inseq-viz .heatmap th, .inseq-viz .heatmap td { border: 1px solid #ddd; padding: 4px 8px; white-space: pre; text-align: center; }
.inseq-viz .heatmap td { text-align: right; color: #000; cursor: default; }
.inseq-viz .heatmap td:hover { outline: 2px solid #333; outline-offset: -2px; }
.inseq-viz .heatmap tbody th { text-align: left; }
.inseq-viz .heatmap th { font-weight: 600; background: #fafafa; }
.inseq-viz .heatmap .index { color: #888; font-size: 10px; font-weight: 400; margin-left: 6px; }
.inseq-viz .heatmap thead .index { display: block; margin: 0; }
.inseq-viz .heatmap tr.section-start > * { border-top: 2px solid #777; }
.inseq-viz .heatmap .step-scores td, .inseq-viz .heatmap .step-scores th { background: #f3f3f3; }
.inseq-viz .legend { display: flex; align-items: center; gap: 8px; margin: 8px 0 0; font-size: 12px; color: #555; }
.inseq-viz .legend[hidden] { display: none; }
.inseq-viz .legend .bar { width: 240px; height: 12px; border: 1px solid #ccc; }
.inseq-viz .legend-caption { min-width: 90px; }
.inseq-viz .token-line { display: flex; align-items: baseline; gap: 8px; margin: 6px 0; font-size: 15px; line-height: 1.9; }
.inseq-viz .line-label { flex: none; width: 80px; color: #777; font-size: 12px; text-align: right; }
.inseq-viz .token { white-space: pre; padding: 2px 0; border-radius: 3px; }
.inseq-viz .token.generated { cursor: pointer; }
.inseq-viz .token.generated:focus-visible { outline: 2px solid #4a6cf7; }
.inseq-viz .token.selected { box-shadow: inset 0 -3px 0 #333; }
.inseq-viz .token.generated[aria-pressed="true"] { box-shadow: inset 0 -3px 0 #000, 0 0 0 1px #000; }
.inseq-viz .token.context.unattributed { color: #aaa; }
.inseq-tooltip { position: fixed; z-index: 1000; max-width: 360px; padding: 4px 8px; border-radius: 4px; background: #222; color: #fff; font: 12px/1.4 system-ui, sans-serif; white-space: pre-wrap; pointer-events: none; }
.inseq-tooltip[hidden] { display: none; }
`;
