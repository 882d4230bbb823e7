import { describe, expect, it } from 'vitest';
import { buildHeatmapView } from './build-heatmap-view';
import { gradientSequence, signedSequence } from './heatmap-sequences.fixture';
import { renderHtml } from './render-html';
import { vizScript } from './viz-script';
import { vizStyles } from './viz-styles';

describe('renderHtml', () => {
  it('writes a complete standalone document with a heatmap and a token view per view', () => {
    const html = renderHtml([buildHeatmapView(gradientSequence()), buildHeatmapView(signedSequence())]);
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html.trimEnd().endsWith('</html>')).toBe(true);
    expect(html).toContain('<meta charset="utf-8">');
    expect(html.match(/<section class="inseq-viz">/g)).toHaveLength(2);
    expect(html.match(/<table class="heatmap">/g)).toHaveLength(2);
    expect(html.match(/<div class="token-view"/g)).toHaveLength(2);
    expect(html).toContain(vizStyles);
    // One inline script, the behaviour; nothing is loaded from anywhere.
    expect(html.match(/<script>/g)).toHaveLength(1);
    expect(html).toContain(`<script>${vizScript}</script>`);
    expect(html).not.toMatch(/<link|src=|href=|@import|url\(|fetch\(|XMLHttpRequest|import\(/i);
  });

  it('leaves out the heatmap or the token view on request', () => {
    const view = buildHeatmapView(gradientSequence());
    const heatmapOnly = renderHtml(view, { tokenView: false });
    expect(heatmapOnly).toContain('<table class="heatmap">');
    expect(heatmapOnly).not.toContain('<div class="token-view"');
    const tokensOnly = renderHtml(view, { heatmap: false });
    expect(tokensOnly).not.toContain('<table');
    expect(tokensOnly).toContain('<div class="token-view"');
  });

  it('names the aggregation function it applied in the caption', () => {
    expect(renderHtml(buildHeatmapView(gradientSequence()))).toContain('extra axes aggregated (vnorm)');
    expect(renderHtml(buildHeatmapView(gradientSequence(), { aggregateFn: 'mean' }))).toContain('extra axes aggregated (mean)');
    expect(renderHtml(buildHeatmapView(signedSequence()))).not.toContain('aggregated (');
  });

  it('escapes the title', () => {
    const html = renderHtml(buildHeatmapView(signedSequence()), { title: 'Tom & <Jerry>' });
    expect(html).toContain('<title>Tom &amp; &lt;Jerry&gt;</title>');
    expect(html).toContain('<h1>Tom &amp; &lt;Jerry&gt;</h1>');
  });
});
