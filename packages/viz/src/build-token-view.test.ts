import { describe, expect, it } from 'vitest';
import { buildHeatmapView } from './build-heatmap-view';
import { buildTokenView, tokenViewFromHeatmap } from './build-token-view';
import { gradientSequence, signedSequence } from './heatmap-sequences.fixture';

describe('buildTokenView', () => {
  it("is the heatmap seen per step: rows are the context, columns the generated tokens, values transposed", () => {
    const heatmap = buildHeatmapView(gradientSequence());
    const view = buildTokenView(gradientSequence());
    expect(view.context).toEqual(heatmap.rows);
    expect(view.generated.map((token) => token.label)).toEqual([' France', ' is', ' Paris']);
    expect(view.attributions).toHaveLength(3);
    view.attributions.forEach((step, s) => {
      expect(step).toEqual(heatmap.values.map((row) => row[s]));
    });
    expect(view.maxAbs).toBe(heatmap.maxAbs);
    expect(view.signed).toBe(false);
  });

  it("defaults to probability, else the first step score, and scales probability to 1", () => {
    const view = buildTokenView(gradientSequence());
    expect(view.stepScore).toBe('probability');
    expect(view.stepScores).toEqual([
      { name: 'probability', values: [0.5, 0.25, 0.125], maxAbs: 1, signed: false },
      { name: 'logit', values: [1, 2, 3], maxAbs: 3, signed: false },
    ]);
    expect(buildTokenView(gradientSequence(), { stepScores: ['logit', 'probability'] }).stepScore).toBe('probability');
    expect(buildTokenView(gradientSequence(), { stepScores: ['logit'] }).stepScore).toBe('logit');
    expect(buildTokenView(gradientSequence(), { stepScore: 'logit' }).stepScore).toBe('logit');
    expect(buildTokenView(gradientSequence(), { stepScores: [] })).not.toHaveProperty('stepScore');
  });

  it('names the shown step scores when asked for another', () => {
    expect(() => tokenViewFromHeatmap(buildHeatmapView(gradientSequence(), { stepScores: ['logit'] }), 'probability')).toThrow(
      "Unknown step score 'probability' for the token view. Shown step scores: logit.",
    );
  });

  it('puts the source first for encoder-decoder sequences', () => {
    const view = buildTokenView(signedSequence());
    expect(view.context.map((token) => `${token.side} ${token.position}`)).toEqual(['source 0', 'source 1', 'target 0', 'target 1', 'target 2']);
    expect(view.attributions[0].slice(0, 2)).toEqual([0.5, -0.5]);
    expect(view.signed).toBe(true);
  });
});
