import { describe, expect, it } from 'vitest';
import { buildHeatmapView } from './build-heatmap-view';
import { gradientSequence, signedSequence } from './heatmap-sequences.fixture';
import { renderTerminalTable } from './render-terminal-table';
import { textWidth } from './text-width';

// biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI escapes start with ESC.
const ANSI = /\x1b\[[0-9;]*m/g;

function count(text: string, needle: string): number {
  return text.split(needle).length - 1;
}

function cellOf(line: string, text: string): string {
  // The escape codes that open the cell holding `text`.
  const match = new RegExp(`((?:\\x1b\\[[0-9;]*m)+)\\s*${text.replace('.', '\\.')}\\s*\\x1b\\[0m`).exec(line);
  if (!match) throw new Error(`no coloured cell '${text}' in ${JSON.stringify(line)}`);
  return match[1];
}

describe('renderTerminalTable', () => {
  it('lays out a header, a row per attributed token and step scores under a rule', () => {
    const lines = renderTerminalTable(buildHeatmapView(gradientSequence()), { color: false }).split('\n');
    expect(lines).toHaveLength(1 + 1 + 5 + 1 + 2);
    expect(lines[0]).toMatch(/^ +│ +France +is +Paris$/);
    expect(lines[1]).toMatch(/^─+┼─+$/);
    expect(lines.slice(2, 7).map((line) => line.split('│')[0].trimEnd())).toEqual(['The', ' capital', ' of', ' France', ' is']);
    // 5/17, 1/11, 3/20
    expect(lines[2].split('│')[1].trim().split(/ +/)).toEqual(['0.29', '0.09', '0.15']);
    expect(lines[7]).toMatch(/^─+┼─+$/);
    expect(lines[8].split('│')[1].trim().split(/ +/)).toEqual(['0.50', '0.25', '0.13']);
    expect(lines[9]).toMatch(/^logit +│ +1\.00 +2\.00 +3\.00$/);
  });

  it('leaves NaN cells empty', () => {
    const lines = renderTerminalTable(buildHeatmapView(gradientSequence()), { color: false }).split('\n');
    expect(lines[5].split('│')[1].trim().split(/ +/)).toEqual(['0.45', '0.25']);
    expect(lines[6].split('│')[1].trim()).toBe('0.30');
    // the empty cells still take their width: 0.30 sits in the last column
    expect(lines[6].length).toBe(lines[2].length);
  });

  it('writes no escape code with color: false and colours every finite cell otherwise', () => {
    const view = buildHeatmapView(gradientSequence());
    expect(renderTerminalTable(view, { color: false })).not.toContain('\x1b');
    const coloured = renderTerminalTable(view);
    // 3 + 4 + 5 finite cells, each opened by a background and a foreground escape and closed by a reset
    expect(count(coloured, '\x1b[48;2;')).toBe(12);
    expect(count(coloured, '\x1b[38;2;0;0;0m')).toBe(12);
    expect(count(coloured, '\x1b[0m')).toBe(12);
    // the same table underneath; only the padding of a coloured last cell is not trimmed
    const stripped = coloured.replace(ANSI, '').split('\n').map((line) => line.trimEnd());
    expect(stripped).toEqual(renderTerminalTable(view, { color: false }).split('\n'));
  });

  it('paints positive scores red and negative scores blue, by magnitude relative to the table maximum', () => {
    const lines = renderTerminalTable(buildHeatmapView(signedSequence())).split('\n');
    // row ' Hello': 0.5 (the maximum) and -0.25
    expect(cellOf(lines[2], '0.50')).toContain('48;2;255;13;87m');
    expect(cellOf(lines[2], '-0.25')).toContain(`48;2;${Math.round(255 - 225 * 0.5)};${Math.round(255 - 119 * 0.5)};${Math.round(255 - 26 * 0.5)}m`);
    // row '</s>': -0.5 is full blue
    expect(cellOf(lines[3], '-0.50')).toContain('48;2;30;136;229m');
    const ansi256 = renderTerminalTable(buildHeatmapView(signedSequence()), { colorMode: 'ansi256' });
    expect(count(ansi256, '\x1b[48;5;')).toBe(12);
    expect(count(ansi256, '\x1b[48;2;')).toBe(0);
  });

  it('separates source rows from target rows with a rule', () => {
    const lines = renderTerminalTable(buildHeatmapView(signedSequence()), { color: false }).split('\n');
    expect(lines.map((line) => line.split('│')[0].trimEnd())).toEqual([
      '',
      expect.stringMatching(/^─+┼/),
      ' Hello',
      '</s>',
      expect.stringMatching(/^─+┼/),
      '<pad>',
      ' Bonjour',
      '\\n',
    ]);
  });

  it('keeps columns aligned with wide characters', () => {
    const view = buildHeatmapView(signedSequence({ source: ['日本', 'é'], target: ['<pad>', '😀', '▁東京', 'x'] }));
    const text = renderTerminalTable(view, { color: false });
    const lines = text.split('\n');
    const bar = lines.map((line) => textWidth(line.slice(0, line.search(/[│┼]/))));
    expect(new Set(bar).size).toBe(1);
    // every number of a full row ends in the same terminal column as in the other full rows
    const numberEnds = (line: string) =>
      [...line.matchAll(/-?\d+\.\d+/g)].map((match) => textWidth(line.slice(0, match.index + match[0].length)));
    expect(lines[0]).toContain('😀');
    expect(numberEnds(lines[2])).toHaveLength(3);
    expect(numberEnds(lines[3])).toEqual(numberEnds(lines[2]));
    expect(numberEnds(lines[5])).toEqual(numberEnds(lines[2]));
  });

  it('splits a table wider than maxWidth into blocks of columns', () => {
    const view = buildHeatmapView(gradientSequence());
    const text = renderTerminalTable(view, { color: false, maxWidth: 30 });
    const blocks = text.split('\n\n');
    expect(blocks.length).toBeGreaterThan(1);
    for (const line of text.split('\n')) expect(textWidth(line)).toBeLessThanOrEqual(30);
    const headers = blocks.map((block) => block.split('\n')[0].split('│')[1].trim()).join(' ');
    expect(headers.split(/ +/)).toEqual(['France', 'is', 'Paris']);
  });

  it('prints the requested number of decimals', () => {
    const lines = renderTerminalTable(buildHeatmapView(gradientSequence()), { color: false, decimals: 4 }).split('\n');
    expect(lines[2].split('│')[1].trim().split(/ +/)).toEqual(['0.2941', '0.0909', '0.1500']);
  });
});
