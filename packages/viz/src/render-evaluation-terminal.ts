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
  const rule = `${'─'.repeat(widths[0] + 1)}┼${'─'.repeat(widths.slice(1).reduce((total, width) => total + width + 2, 0))}`;
  return [line(header), rule, ...rows.map(line)].join('\n');
}

/**
 * The evaluation as text for a terminal: a caption (cases, k, chance level), a table of methods ×
 * hit@1, hit@k, comprehensiveness, sufficiency and both AOPCs, and — with more than one
 * phenomenon — a table of hit@1 per phenomenon. No escape codes; no trailing newline.
 */
export function renderEvaluationTerminal(summary: FaithfulnessSummary): string {
  const cells = formatFaithfulnessColumns(summary.methods.map((row) => row.overall));
  const overall = textTable(
    ['method', ...FAITHFULNESS_METRICS.map((metric) => metric.header(summary.k))],
    summary.methods.map((row, r) => [row.method, ...cells[r]]),
  );
  const parts = [`Faithfulness of attribution methods on ${summary.model}`, faithfulnessCaption(summary), '', overall];
  if (summary.phenomena.length > 1) {
    const byPhenomenon = textTable(
      ['hit@1 by phenomenon', ...summary.phenomena],
      summary.methods.map((row) => [row.method, ...summary.phenomena.map((name) => formatFaithfulness(row.byPhenomenon[name]?.hitAt1 ?? Number.NaN))]),
    );
    parts.push('', byPhenomenon);
  }
  return parts.join('\n');
}
