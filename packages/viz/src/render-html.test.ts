import { describe, expect, it } from 'vitest';
import { buildHeatmapView } from './build-heatmap-view';
import { gradientSequence, signedSequence } from './heatmap-sequences.fixture';
import { renderHtml } from './render-html';

describe('renderHtml', () => {
  it('writes a complete standalone document with one heatmap per view', () => {
    const html = renderHtml([buildHeatmapView(gradientSequence()), buildHeatmapView(signedSequence())]);
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html.trimEnd().endsWith('</html>')).toBe(true);
    expect(html).toContain('<meta charset="utf-8">');
    expect(html.match(/<table class="heatmap">/g)).toHaveLength(2);
    expect(html.match(/class="legend"/g)).toHaveLength(2);
    expect(html).not.toMatch(/<script|<link|src=|href=|@import|url\(/i);
  });

  it('names the aggregation function it applied in the caption', () => {
    expect(renderHtml(buildHeatmapView(gradientSequence()))).toContain('extra axes aggregated (vnorm)');
    expect(renderHtml(buildHeatmapView(gradientSequence(), { aggregateFn: 'mean' }))).toContain('extra axes aggregated (mean)');
    expect(renderHtml(buildHeatmapView(signedSequence()))).not.toContain('aggregated (');
  });

  it('lays out rows, columns, NaN cells, tooltips and step scores', () => {
    const html = renderHtml(buildHeatmapView(gradientSequence()));
    const [head, ...rows] = html.split('<tbody>')[1].split('</tbody>')[0].split('\n');
    expect(head).toContain('<th title="The (id 100, target position 0)">The</th>');
    expect(rows).toHaveLength(4);
    expect(html).toContain('<th title="ĠFrance (id 103, target position 3)"> France</th>');
    // 5/17 at float32 precision in the tooltip, 2 decimals in the cell
    expect(html).toContain('title="0.2941177">0.29</td>');
    expect(html.match(/<td class="empty"/g)).toHaveLength(3);
    expect(html).toMatch(/<tbody class="step-scores"><tr class="section-start"><th>probability<\/th><td title="0.5">0.50<\/td>/);
    expect(html).toContain('<th>logit</th>');
  });

  it('paints positive cells red and negative cells blue with opacity |value| / max', () => {
    const html = renderHtml(buildHeatmapView(signedSequence()));
    expect(html).toContain('<td style="background-color: rgba(255, 13, 87, 1)" title="0.5">0.50</td>');
    expect(html).toContain('<td style="background-color: rgba(30, 136, 229, 0.5)" title="-0.25">-0.25</td>');
    expect(html).toContain('<td style="background-color: rgba(30, 136, 229, 1)" title="-0.5">-0.50</td>');
    expect(html).toContain('<td style="background-color: rgba(255, 13, 87, 0)" title="0">0.00</td>');
  });

  it('escapes every token and the title', () => {
    const view = buildHeatmapView(
      signedSequence({ source: ['<script>alert(1)</script>', 'A&B'], target: ['"q"', "'s'", '<b>', '</s>'] }),
    );
    const html = renderHtml(view, { title: 'Tom & <Jerry>' });
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('<b>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('>A&amp;B</th>');
    expect(html).toContain('title="&quot;q&quot; (id 0, target position 0)"');
    expect(html).toContain('&#39;s&#39;');
    expect(html).toContain('<title>Tom &amp; &lt;Jerry&gt;</title>');
  });
});
