import { escapeHtml } from './escape-html';
import type { HeatmapView } from './heatmap-view';
import { renderViewSection, type SectionHtmlOptions } from './render-view-section';
import { vizScript } from './viz-script';
import { vizStyles } from './viz-styles';

/** Options of {@link renderHtml}. */
export interface HtmlOptions extends Omit<SectionHtmlOptions, 'heading'> {
  /** Document title and heading. @defaultValue 'Inseq attributions' */
  title?: string;
}

const PAGE_STYLE = `
body { margin: 24px; color: #1b1b1b; background: #fff; font-family: system-ui, -apple-system, "Segoe UI", sans-serif; }
h1 { font-size: 20px; }
`;

/**
 * A complete standalone HTML document for the CLI: for each view, a section with the interactive
 * heatmap and the token view under it (see `renderSequenceHtml`; `heatmap: false` or
 * `tokenView: false` leaves one out), `vizStyles` inline and `vizScript` as one inline script at
 * the end. It loads nothing and makes no request, so it works offline; without script it still
 * shows the colours, legends and native tooltips.
 */
export function renderHtml(views: HeatmapView | readonly HeatmapView[], options?: HtmlOptions): string {
  const list: readonly HeatmapView[] = Array.isArray(views) ? views : [views as HeatmapView];
  const title = options?.title ?? 'Inseq attributions';
  const sections = list.map((view, i) => renderViewSection(view, { ...options, heading: list.length > 1 ? `Sequence ${i + 1} of ${list.length}` : undefined }));
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
    ...sections,
    `<script>${vizScript}</script>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
