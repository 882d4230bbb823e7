import type { FeatureAttributionOutput } from '@inseq/core';
import { describe, expect, it } from 'vitest';
import { buildHeatmapView } from './build-heatmap-view';
import { gradientSequence, signedSequence } from './heatmap-sequences.fixture';
import { outputViewOptions } from './output-view-options';
import { renderOutputHtml } from './render-output-html';
import { renderOutputTerminal } from './render-output-terminal';

const output: FeatureAttributionOutput = {
  sequence_attributions: [gradientSequence(), signedSequence()],
  step_attributions: null,
  info: {},
};

describe('renderOutputTerminal / renderOutputHtml', () => {
  it('render every sequence', () => {
    const text = renderOutputTerminal(output, { color: false, stepScores: [] });
    expect(text).toContain('Sequence 1 of 2\n');
    expect(text).toContain('\n\nSequence 2 of 2\n');
    expect(text).not.toContain('\x1b');
    expect(text).not.toContain('probability');
    const html = renderOutputHtml(output, { title: 'Two' });
    expect(html.match(/<table class="heatmap">/g)).toHaveLength(2);
    expect(html).toContain('<h2>Sequence 1 of 2</h2>');
    expect(html).toContain('<h2>Sequence 2 of 2</h2>');
    expect(html.match(/<div class="token-view"/g)).toHaveLength(2);
    expect(renderOutputHtml(output, { tokenView: false })).not.toContain('<div class="token-view"');
  });
});

describe('default aggregation by method', () => {
  // Attention weights of 2 heads for 3 steps over 6 target positions: [6, 3, 1, 2], each head's
  // column summing to 1 over the visible positions.
  const NAN = Number.NaN;
  const heads = [
    [0.5, 0.1, 0.3, 0.5, 0.2, 0.1, 0, 0.3, 0.1, NAN, 0.4, 0.2, NAN, NAN, 0.3, NAN, NAN, NAN],
    [0.1, 0.2, 0.1, 0.2, 0.2, 0.1, 0.7, 0.3, 0.4, NAN, 0.3, 0.2, NAN, NAN, 0.2, NAN, NAN, NAN],
  ];
  const attention = {
    ...gradientSequence(),
    target_attributions: { data: Float32Array.from(heads[0].flatMap((v, i) => [v, heads[1][i]])), shape: [6, 3, 1, 2] },
  };

  it('averages attention over layers and heads (Inseq), and keeps vnorm for gradient methods', () => {
    const empty = (info: Record<string, unknown>): FeatureAttributionOutput => ({ sequence_attributions: [], step_attributions: null, info });
    expect(outputViewOptions(empty({ attribution_method: 'attention' })).aggregateFn).toBe('mean');
    expect(outputViewOptions(empty({ attribution_method: 'saliency' })).aggregateFn).toBe('vnorm');
    expect(outputViewOptions(empty({}), { aggregateFn: 'sum' }).aggregateFn).toBe('sum');
    const view = buildHeatmapView(attention, { aggregateFn: 'mean' });
    expect(view.values[0]).toEqual([expect.closeTo(0.3, 6), expect.closeTo(0.15, 6), expect.closeTo(0.2, 6)]);
    const columnSums = [0, 1, 2].map((s) => view.values.reduce((acc, row) => acc + (Number.isNaN(row[s]) ? 0 : row[s]), 0));
    expect(columnSums).toEqual([1, 1, 1].map((v) => expect.closeTo(v, 6)));
    const output = { sequence_attributions: [attention], step_attributions: null, info: { attribution_method: 'attention' } };
    const text = renderOutputTerminal(output, { color: false });
    expect(text).toContain('0.30');
  });

  it('shows only step scores for a method without attributions (dummy)', () => {
    const dummy = { ...gradientSequence(), target_attributions: null };
    const view = buildHeatmapView(dummy);
    expect(view.rows).toEqual([]);
    expect(view.stepScores.map((row) => row.name)).toEqual(['probability', 'logit']);
    const output = { sequence_attributions: [dummy], step_attributions: null, info: { attribution_method: 'dummy' } };
    expect(() => renderOutputTerminal(output)).not.toThrow();
    expect(() => renderOutputHtml({ sequence_attributions: [dummy], step_attributions: null, info: {} })).not.toThrow();
  });
});
