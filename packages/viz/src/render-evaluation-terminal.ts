import { FAITHFULNESS_METRICS, type FaithfulnessSummary, faithfulnessCaption, formatFaithfulness, formatFaithfulnessColumns } from './faithfulness-summary';
import { textWidth } from './text-width';

/** Rows of cells as aligned text: first column left-aligned, the others right-aligned, a rule under the header. */
function textTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((title, c) => Math.max(textWidth(title), ...rows.map((row) => textWidth(row[c]))));
  const cell = (text: string, c: number) => {
    const pad = ' '.repeat(widths[c] - textWidth(text));
    return c === 0 ? text + pad : pad + text;
  };
  const line = (row: readonly string[]) => `${cell(row[0], 0)} │ ${row.slice(1).map((text, c) => cell(text, c + 1)).join('  ')}`.trimEnd();
  // As wide as the widest line: ' ' + each column + the two spaces between columns.
  const rule = `${'─'.repeat(widths[0] + 1)}┼${'─'.repeat(widths.slice(1).reduce((total, width) => total + width + 2, 0) - 1)}`;
  return [line(header), rule, ...rows.map(line)].join('\n');
}

/**
 * {@link textTable} with as many leading columns as fit in `maxWidth` cells (the method column
 * always), and how many were left out.
 */
function fittedTable(header: readonly string[], rows: readonly (readonly string[])[], maxWidth: number | undefined): { table: string; cut: number } {
  for (let keep = header.length; keep > 1; keep--) {
    const table = textTable(header.slice(0, keep), rows.map((row) => row.slice(0, keep)));
    if (maxWidth === undefined || table.split('\n').every((line) => textWidth(line) <= maxWidth)) return { table, cut: header.length - keep };
  }
  return { table: textTable(header.slice(0, 1), rows.map((row) => row.slice(0, 1))), cut: header.length - 1 };
}

/** Options of {@link renderEvaluationTerminal}. */
export interface EvaluationTerminalOptions {
  /** Terminal width in cells: columns that do not fit are left out, with a note naming how many (and `cutHint`). */
  readonly maxWidth?: number;
  /** Said after the note of left-out columns (e.g. how to see them all). */
  readonly cutHint?: string;
}

/**
 * The evaluation as text for a terminal: a caption (cases, k, chance level), a table of methods ×
 * hit@1, hit@k, comprehensiveness, sufficiency and both AOPCs, and — with more than one
 * phenomenon — a table of hit@1 per phenomenon. No escape codes; no trailing newline.
 */
export function renderEvaluationTerminal(summary: FaithfulnessSummary, options: EvaluationTerminalOptions = {}): string {
  const { maxWidth, cutHint } = options;
  const note = (cut: number) => `(${cut} column(s) left out to fit ${maxWidth} cells.${cutHint ? ` ${cutHint}` : ''})`;
  const cells = formatFaithfulnessColumns(summary.methods.map((row) => row.overall));
  const overall = fittedTable(
    ['method', ...FAITHFULNESS_METRICS.map((metric) => metric.header(summary.k))],
    summary.methods.map((row, r) => [row.method, ...cells[r]]),
    maxWidth,
  );
  const parts = [`Faithfulness of attribution methods on ${summary.model}`, faithfulnessCaption(summary), '', overall.table];
  if (overall.cut > 0) parts.push(note(overall.cut));
  if (summary.phenomena.length > 1) {
    const byPhenomenon = fittedTable(
      ['hit@1 by phenomenon', ...summary.phenomena],
      summary.methods.map((row) => [row.method, ...summary.phenomena.map((name) => formatFaithfulness(row.byPhenomenon[name]?.hitAt1 ?? Number.NaN))]),
      maxWidth,
    );
    parts.push('', byPhenomenon.table);
    if (byPhenomenon.cut > 0) parts.push(note(byPhenomenon.cut));
  }
  return parts.join('\n');
}
