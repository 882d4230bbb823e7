import { decimalsFor, formatScore, formatStepScore } from './format-score';
import type { HeatmapView } from './heatmap-view';
import { blendOnWhite, type ScoreColor, scoreColor } from './score-color';
import { textWidth } from './text-width';

/** Options of {@link renderTerminalTable}. */
export interface TerminalTableOptions {
  /** Colour cell backgrounds with ANSI escapes; `false` writes no escape code at all. @defaultValue true */
  color?: boolean;
  /** `'truecolor'` (24-bit) or `'ansi256'` escapes, for terminals without 24-bit colour. @defaultValue 'truecolor' */
  colorMode?: 'truecolor' | 'ansi256';
  /**
   * Widest line, in terminal cells: a wider table is split into blocks of columns, each repeating
   * the row labels. At least one column goes in each block. @defaultValue no limit
   */
  maxWidth?: number;
  /** Decimals of each score. @defaultValue 2 */
  decimals?: number;
  /**
   * What happens to columns past `maxWidth`: `'wrap'` puts them in further blocks; `'cut'` leaves
   * them out and ends the table with a note saying how many were left out (and `cutHint`).
   * @defaultValue 'wrap'
   */
  overflow?: 'wrap' | 'cut';
  /** With `overflow: 'cut'`, said after the note when columns were left out, e.g. how to see them all. */
  cutHint?: string;
}

const RESET = '\x1b[0m';

/**
 * The heatmap as a text table for a terminal: a row per attributed token, a column per generated
 * token, each cell the score on a red (positive) / blue (negative) background whose intensity is
 * |score| relative to the largest |score| of the table (`view.maxAbs`), on white with black text
 * so it reads on dark and light terminals alike. NaN cells are empty. Step scores follow under a
 * rule; a rule also separates source rows from target rows. Columns stay aligned with wide
 * (CJK, emoji) characters. Lines are joined with `\n`, without a trailing newline.
 */
export function renderTerminalTable(view: HeatmapView, options?: TerminalTableOptions): string {
  const color = options?.color ?? true;
  const colorMode = options?.colorMode ?? 'truecolor';
  const decimals = options?.decimals ?? decimalsFor(view.maxAbs);
  const maxWidth = options?.maxWidth ?? Number.POSITIVE_INFINITY;

  const labelWidth = Math.max(0, ...view.rows.map((row) => textWidth(row.label)), ...view.stepScores.map((row) => textWidth(row.name)));
  const cells = view.values.map((row) => row.map((value) => formatScore(value, decimals)));
  const stepCells = view.stepScores.map((row) => row.values.map((value) => formatStepScore(value, decimals)));
  const columnWidths = view.columns.map((column, c) =>
    Math.max(textWidth(column.label), ...cells.map((row) => textWidth(row[c])), ...stepCells.map((row) => textWidth(row[c]))),
  );

  const paint = (text: string, value: number): string => {
    const fill = color ? scoreColor(value, view.maxAbs) : null;
    return fill ? `${background(blendOnWhite(fill), colorMode)}${text}${RESET}` : text;
  };

  const split = splitColumns(columnWidths, labelWidth, maxWidth);
  const cut = options?.overflow === 'cut' && split.length > 1;
  const blocks = (cut ? split.slice(0, 1) : split).map((block) => {
    const rule = `${'─'.repeat(labelWidth + 1)}┼${'─'.repeat(block.reduce((total, c) => total + columnWidths[c] + 2, 0))}`;
    const line = (label: string, cellTexts: (c: number) => string) =>
      `${padEnd(label, labelWidth)} │${block.map(cellTexts).join('')}`.trimEnd();
    const lines = [line('', (c) => ` ${padCenter(view.columns[c].label, columnWidths[c])} `), rule];
    view.rows.forEach((row, r) => {
      if (r > 0 && row.side !== view.rows[r - 1].side) lines.push(rule);
      lines.push(line(row.label, (c) => paint(` ${padStart(cells[r][c], columnWidths[c])} `, view.values[r][c])));
    });
    if (view.stepScores.length > 0) lines.push(rule);
    view.stepScores.forEach((row, i) => {
      lines.push(line(row.name, (c) => ` ${padStart(stepCells[i][c], columnWidths[c])} `));
    });
    return lines.join('\n');
  });
  if (cut) {
    const left = view.columns.length - split[0].length;
    const note = `… ${left} of ${view.columns.length} columns left out to fit ${maxWidth} terminal columns.${options?.cutHint ? ` ${options.cutHint}` : ''}`;
    return `${blocks[0]}\n${wrapWords(note, maxWidth).join('\n')}`;
  }
  return blocks.join('\n\n');
}

/** Column indices in blocks whose lines fit `maxWidth` (each line: label, ` │`, cells of width + 2). */
function splitColumns(columnWidths: readonly number[], labelWidth: number, maxWidth: number): number[][] {
  const blocks: number[][] = [];
  let block: number[] = [];
  let width = labelWidth + 2;
  columnWidths.forEach((columnWidth, c) => {
    if (block.length > 0 && width + columnWidth + 2 > maxWidth) {
      blocks.push(block);
      block = [];
      width = labelWidth + 2;
    }
    block.push(c);
    width += columnWidth + 2;
  });
  blocks.push(block);
  return blocks;
}

function background(color: ScoreColor, mode: 'truecolor' | 'ansi256'): string {
  if (mode === 'truecolor') return `\x1b[48;2;${color.red};${color.green};${color.blue}m\x1b[38;2;0;0;0m`;
  // xterm's 6×6×6 colour cube starts at index 16.
  const level = (channel: number) => Math.round((channel / 255) * 5);
  return `\x1b[48;5;${16 + 36 * level(color.red) + 6 * level(color.green) + level(color.blue)}m\x1b[38;5;16m`;
}

function padEnd(text: string, width: number): string {
  return text + ' '.repeat(Math.max(0, width - textWidth(text)));
}

function padStart(text: string, width: number): string {
  return ' '.repeat(Math.max(0, width - textWidth(text))) + text;
}

function padCenter(text: string, width: number): string {
  const space = Math.max(0, width - textWidth(text));
  const left = Math.floor(space / 2);
  return ' '.repeat(left) + text + ' '.repeat(space - left);
}

/** `text` in lines of at most `width` cells, broken at spaces (a longer word gets a line of its own). */
function wrapWords(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line !== '' && textWidth(line) + 1 + textWidth(word) > width) {
      lines.push(line);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  lines.push(line);
  return lines;
}
