import type { SequenceAttribution } from '@inseq/core';
import { describe, expect, it } from 'vitest';
import { buildHeatmapView } from './build-heatmap-view';
import { renderTerminalTable } from './render-terminal-table';
import { textWidth } from './text-width';

/** Source 2 tokens, target 1 + `tokens.length` tokens (one step each): values i/10, so every cell is `0.x0`-like. */
function wideSequence(tokens: readonly string[]): SequenceAttribution {
  const steps = tokens.length;
  const target = ['<s>', ...tokens];
  const source = ['東京', '😀'];
  const cells = (rows: number) => Float32Array.from({ length: rows * steps }, (_, i) => ((i % 9) + 1) / 10);
  return {
    source: source.map((token, id) => ({ token, id })),
    target: target.map((token, id) => ({ token, id })),
    source_attributions: { data: cells(2), shape: [2, steps] },
    target_attributions: { data: cells(target.length), shape: [target.length, steps] },
    step_scores: {},
    sequence_scores: {},
    attr_pos_start: 1,
    attr_pos_end: target.length,
  };
}

// 12 generated tokens: CJK (2 cells a character), emoji (2 cells), Latin; the full table is 8 + 2 + 12 × 6 = 82 cells wide at most.
const TOKENS = ['日本語', '😀', 'abc', '東京', '🎉🎉', 'x', '中文字', 'yz', '👍', 'é', '한국', 'end'];
const HINT = 'See all with --viz-path, or a wider terminal (COLUMNS=200).';

describe('renderTerminalTable overflow: cut (terminal width)', () => {
  const view = buildHeatmapView(wideSequence(TOKENS));
  const full = renderTerminalTable(view, { color: false });
  const fullWidth = Math.max(...full.split('\n').map(textWidth));

  it.each([40, 80])('fits %i terminal columns with wide tokens and says how many columns were left out', (width) => {
    const text = renderTerminalTable(view, { color: false, maxWidth: width, overflow: 'cut', cutHint: HINT });
    const lines = text.split('\n');
    for (const line of lines) expect(textWidth(line)).toBeLessThanOrEqual(width);
    const header = lines[0].split('│')[1].trim().split(/ +/);
    // The kept columns are the first ones, in order, then the note counts the rest.
    expect(header).toEqual(TOKENS.slice(0, header.length));
    const left = TOKENS.length - header.length;
    expect(left).toBeGreaterThan(0);
    const note = lines.slice(lines.findIndex((line) => line.startsWith('…'))).join(' ');
    expect(note).toBe(`… ${left} of ${TOKENS.length} columns left out to fit ${width} terminal columns. ${HINT}`);
    // Each kept line is the full table's line, cut: the same cells, aligned the same way.
    const fullLines = full.split('\n');
    const keptWidth = textWidth(lines[0]);
    expect(fullLines[0].startsWith(lines[0])).toBe(true);
    expect(textWidth(lines[2])).toBeLessThanOrEqual(keptWidth + 6);
  });

  it('cuts nothing and adds no note when the terminal is wide enough (200)', () => {
    expect(fullWidth).toBeGreaterThan(80);
    expect(fullWidth).toBeLessThanOrEqual(200);
    expect(renderTerminalTable(view, { color: false, maxWidth: 200, overflow: 'cut', cutHint: HINT })).toBe(full);
  });

  it('keeps the number of columns a hand count gives at 40 and 80', () => {
    // Label column: widest label is '<s>'/'😀'/'東京' (4 cells) → 4 + ' │' = 6 cells; each column is its width + 2.
    const widths = TOKENS.map((token) => Math.max(textWidth(token), 4) + 2);
    const fit = (max: number) => {
      let total = 6;
      let n = 0;
      while (n < widths.length && total + widths[n] <= max) total += widths[n++];
      return n;
    };
    for (const width of [40, 80]) {
      const header = renderTerminalTable(view, { color: false, maxWidth: width, overflow: 'cut' }).split('\n')[0];
      expect(header.split('│')[1].trim().split(/ +/)).toHaveLength(fit(width));
    }
  });

  it('still wraps into blocks by default', () => {
    expect(renderTerminalTable(view, { color: false, maxWidth: 40 }).split('\n\n').length).toBeGreaterThan(1);
  });
});
