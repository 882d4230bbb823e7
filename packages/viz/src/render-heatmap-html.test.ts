import { describe, expect, it } from 'vitest';
import { buildHeatmapView } from './build-heatmap-view';
import { escapeHtml } from './escape-html';
import { tooltipNumber } from './format-score';
import { gradientSequence, signedSequence } from './heatmap-sequences.fixture';
import { renderHeatmapHtml } from './render-heatmap-html';

/** The `<td>` cells of the scores (not the step scores), row by row. */
function scoreCells(html: string): string[][] {
  const body = html.split('<tbody>')[1].split('</tbody>')[0];
  return bodyRows(body).map((row) => row.match(/<td[^>]*>[^<]*<\/td>/g) ?? []);
}

/** Rows of a `<tbody>`; tooltips hold newlines, so rows are split at `</tr>`. */
function bodyRows(body: string): string[] {
  return body.split('</tr>').slice(0, -1).map((row) => row.replace(/^\n/, ''));
}

describe('renderHeatmapHtml', () => {
  it('labels rows and columns with the token text and its index', () => {
    const html = renderHeatmapHtml(buildHeatmapView(gradientSequence()));
    expect(html).toContain(
      '<th scope="col" title="ĠFrance (id 103, target position 3)" data-tip="ĠFrance (id 103, target position 3)"> France<span class="index">3</span></th>',
    );
    expect(html).toContain('<th scope="row" title="The (id 100, target position 0)" data-tip="The (id 100, target position 0)">The<span class="index">0</span></th>');
    expect(scoreCells(html)).toHaveLength(5);
  });

  it("puts every finite cell's value in its tooltip and leaves NaN cells empty", () => {
    const view = buildHeatmapView(gradientSequence());
    const cells = scoreCells(renderHeatmapHtml(view));
    view.values.forEach((row, r) => {
      row.forEach((value, c) => {
        const cell = cells[r][c];
        if (Number.isNaN(value)) {
          expect(cell).toMatch(/^<td class="empty" title="not attributable at this step" data-tip="[^"]*"><\/td>$/);
        } else {
          expect(cell).toContain(` title="${tooltipNumber(value)}"`);
          const where = `${view.rows[r].label} (target ${view.rows[r].position}) → ${view.columns[c].label} (target ${view.columns[c].position})`;
          expect(cell).toContain(` data-tip="${escapeHtml(`${tooltipNumber(value)}\n${where}`)}"`);
        }
      });
    });
    // 5/17 at float32 precision in the tooltip, 2 decimals in the cell
    expect(cells[0][0]).toMatch(/title="0.2941177" data-tip="[^"]*">0.29<\/td>$/);
    expect(cells.flat().filter((cell) => cell.startsWith('<td class="empty"'))).toHaveLength(3);
  });

  it('shows step scores under the scores', () => {
    const html = renderHeatmapHtml(buildHeatmapView(gradientSequence()));
    expect(html).toMatch(/<tbody class="step-scores"><tr class="section-start"><th>probability<\/th><td title="0.5" data-tip="probability: 0.5\nat {2}France \(target 3\)">0.50<\/td>/);
    expect(html).toContain('<th>logit</th>');
  });

  it('draws a legend with the bounds of the scale: 0 → max for positive scores, -max → max when signed', () => {
    const positive = renderHeatmapHtml(buildHeatmapView(gradientSequence()));
    expect(positive).toContain('<div class="legend" data-min="0" data-max="0.4545455">');
    expect(positive).toContain('<span class="legend-min">0.00</span>');
    expect(positive).toContain('linear-gradient(to right, rgba(255, 255, 255, 1), rgba(255, 13, 87, 1))');
    expect(positive).toContain('<span class="legend-max">0.45</span>');
    const signed = renderHeatmapHtml(buildHeatmapView(signedSequence()));
    expect(signed).toContain('<div class="legend" data-min="-0.5" data-max="0.5">');
    expect(signed).toContain('<span class="legend-min">-0.50</span>');
    expect(signed).toContain('linear-gradient(to right, rgba(30, 136, 229, 1), rgba(255, 255, 255, 1), rgba(255, 13, 87, 1))');
    expect(signed).toContain('<span class="legend-max">0.50</span>');
  });

  it('paints positive cells red and negative cells blue with opacity |value| / max', () => {
    const html = renderHeatmapHtml(buildHeatmapView(signedSequence()));
    expect(html).toMatch(/<td style="background-color: rgba\(255, 13, 87, 1\)" title="0.5" data-tip="[^"]*">0.50<\/td>/);
    expect(html).toMatch(/<td style="background-color: rgba\(30, 136, 229, 0.5\)" title="-0.25" data-tip="[^"]*">-0.25<\/td>/);
    expect(html).toMatch(/<td style="background-color: rgba\(30, 136, 229, 1\)" title="-0.5" data-tip="[^"]*">-0.50<\/td>/);
    expect(html).toMatch(/<td style="background-color: rgba\(255, 13, 87, 0\)" title="0" data-tip="[^"]*">0.00<\/td>/);
  });

  it('draws source rows, then target rows after a rule (encoder-decoder)', () => {
    const html = renderHeatmapHtml(buildHeatmapView(signedSequence()));
    const rows = bodyRows(html.split('<tbody>')[1].split('</tbody>')[0]);
    expect(rows[0]).toContain('title="▁Hello (id 0, source position 0)"');
    expect(rows[1]).toContain('title="&lt;/s&gt; (id 1, source position 1)"');
    expect(rows[2]).toMatch(/^<tr class="section-start"><th scope="row" title="&lt;pad&gt; \(id 0, target position 0\)"/);
    expect(rows[0]).toContain('data-tip="0.5\n Hello (source 0) →  Bonjour (target 1)"');
  });

  it('escapes every token', () => {
    const view = buildHeatmapView(
      signedSequence({ source: ['<script>alert(1)</script>', 'A&B'], target: ['"q"', "'s'", '<b>', '</s>'] }),
    );
    const html = renderHeatmapHtml(view);
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('<b>');
    expect(html).not.toMatch(/="[^"]*"q"/);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;<span class="index">0</span>');
    expect(html).toContain('>A&amp;B<span class="index">1</span></th>');
    expect(html).toContain('title="&quot;q&quot; (id 0, target position 0)"');
    expect(html).toContain('&#39;s&#39;');
    expect(html).toContain('→ &lt;b&gt; (target 2)');
  });
});
