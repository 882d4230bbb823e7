import { FAITHFULNESS_METRICS, type FaithfulnessSummary, faithfulnessCaption, formatFaithfulness, formatFaithfulnessColumns } from './faithfulness-summary';

/** `|` and newlines would break a table cell. */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (row: readonly string[]) => `| ${row.map(cell).join(' | ')} |`;
  const align = `|${header.map((_, c) => (c === 0 ? ' --- ' : ' ---: ')).join('|')}|`;
  return [line(header), align, ...rows.map(line)].join('\n');
}

/**
 * The evaluation as GitHub-flavoured markdown: a caption line, the methods × metrics table (method
 * ids in code spans, ↑ / ↓ marking which direction is better) and, with more than one phenomenon,
 * hit@1 per phenomenon. Ends without a trailing newline.
 */
export function renderEvaluationMarkdown(summary: FaithfulnessSummary): string {
  const header = ['method', ...FAITHFULNESS_METRICS.map((metric) => `${metric.header(summary.k)} ${metric.better === 'higher' ? '↑' : '↓'}`)];
  const cells = formatFaithfulnessColumns(summary.methods.map((row) => row.overall));
  const rows = summary.methods.map((row, r) => [`\`${row.method}\``, ...cells[r]]);
  const parts = [`Model \`${summary.model}\`: ${faithfulnessCaption(summary)}.`, '', markdownTable(header, rows)];
  if (summary.phenomena.length > 1) {
    parts.push(
      '',
      markdownTable(
        ['hit@1 by phenomenon', ...summary.phenomena],
        summary.methods.map((row) => [`\`${row.method}\``, ...summary.phenomena.map((name) => formatFaithfulness(row.byPhenomenon[name]?.hitAt1 ?? Number.NaN))]),
      ),
    );
  }
  return parts.join('\n');
}
