import { InvalidInputError } from '@inseq/core';
import { describe, expect, it } from 'vitest';
import { buildHeatmapView } from './build-heatmap-view';
import { gradientSequence, signedSequence } from './heatmap-sequences.fixture';

const NAN = Number.NaN;

describe('buildHeatmapView', () => {
  it('lays out attributed tokens as rows and generated tokens as columns', () => {
    const view = buildHeatmapView(gradientSequence());
    expect(view.rows.map((row) => row.label)).toEqual(['The', ' capital', ' of', ' France', ' is']);
    expect(view.rows.map((row) => row.position)).toEqual([0, 1, 2, 3, 4]);
    expect(view.columns.map((column) => column.label)).toEqual([' France', ' is', ' Paris']);
    expect(view.columns.map((column) => [column.token, column.id, column.position])).toEqual([
      ['ĠFrance', 103, 3],
      ['Ġis', 104, 4],
      ['ĠParis', 105, 5],
    ]);
    expect(view.values).toHaveLength(5);
    for (const row of view.values) expect(row).toHaveLength(3);
    expect(view.stepScores).toEqual([
      { name: 'probability', values: [0.5, 0.25, 0.125] },
      { name: 'logit', values: [1, 2, 3] },
    ]);
  });

  it('applies vnorm + per-step normalisation to hidden-size attributions, NaN where not attributable', () => {
    const view = buildHeatmapView(gradientSequence());
    const expected = [
      [5 / 17, 1 / 11, 3 / 20],
      [5 / 17, 3 / 11, 1 / 20],
      [7 / 17, 2 / 11, 5 / 20],
      [NAN, 5 / 11, 5 / 20],
      [NAN, NAN, 6 / 20],
    ];
    expected.forEach((row, r) => {
      row.forEach((value, s) => {
        if (Number.isNaN(value)) expect(view.values[r][s]).toBeNaN();
        else expect(view.values[r][s]).toBeCloseTo(value, 6);
      });
    });
    expect(view.aggregated).toBe(true);
    expect(view.maxAbs).toBeCloseTo(5 / 11, 6);
  });

  it('refuses hidden-size attributions with aggregate: false', () => {
    expect(() => buildHeatmapView(gradientSequence(), { aggregate: false })).toThrow(InvalidInputError);
    expect(() => buildHeatmapView(gradientSequence(), { aggregate: false })).toThrow(/\[6, 3, 4\]/);
  });

  it('shows [len, nSteps] attributions as they are, source rows before target rows', () => {
    const view = buildHeatmapView(signedSequence());
    expect(view.aggregated).toBe(false);
    expect(view.rows.map((row) => [row.side, row.label])).toEqual([
      ['source', ' Hello'],
      ['source', '</s>'],
      ['target', '<pad>'],
      ['target', ' Bonjour'],
      ['target', '\\n'],
    ]);
    expect(view.columns.map((column) => column.label)).toEqual([' Bonjour', '\\n', '</s>']);
    expect(view.values.slice(0, 3)).toEqual([
      [0.5, -0.25, Math.fround(0.1)],
      [-0.5, 0.25, Math.fround(0.2)],
      [0, 0.5, Math.fround(-0.2)],
    ]);
    expect(view.values[4][0]).toBeNaN();
    expect(view.maxAbs).toBe(0.5);
    expect(view.stepScores).toEqual([]);
  });

  it('keeps a target row past attr_pos_end - 1 that still holds a score', () => {
    const sequence = signedSequence();
    const data = Float32Array.from(sequence.target_attributions!.data);
    data[9] = 0.125;
    const view = buildHeatmapView({ ...sequence, target_attributions: { data, shape: [4, 3] } });
    expect(view.rows.map((row) => row.label).slice(-2)).toEqual(['\\n', '</s>']);
    expect(view.values[5][0]).toBe(0.125);
  });

  it('selects and orders step scores, and names the available ones for an unknown name', () => {
    expect(buildHeatmapView(gradientSequence(), { stepScores: ['logit'] }).stepScores.map((row) => row.name)).toEqual(['logit']);
    expect(() => buildHeatmapView(gradientSequence(), { stepScores: ['entropy'] })).toThrow(/probability, logit/);
  });

  it('rejects positions and shapes that do not fit together', () => {
    expect(() => buildHeatmapView({ ...gradientSequence(), attr_pos_end: 7 })).toThrow(InvalidInputError);
    expect(() => buildHeatmapView({ ...gradientSequence(), attr_pos_start: 4 })).toThrow(/3 steps|1 steps|2 steps/);
    const badSource = { ...signedSequence(), source: [{ token: 'a', id: 1 }] };
    expect(() => buildHeatmapView(badSource)).toThrow(/2 rows but the source has 1/);
  });
});
