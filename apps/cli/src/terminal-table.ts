import { type FeatureAttributionOutput, renderOutputTerminal } from 'inseq';
import type { CliIo } from './cli-io';
import { useColour } from './colour';

/**
 * How wide the heatmap table may be, in terminal cells: `COLUMNS` when it is a positive integer
 * (so a wider or narrower table can be asked for, on a terminal or not); else the terminal's width
 * when standard output is a terminal (80 if it does not say); else no limit — a file or a pipe
 * gets every column, never a cut table.
 */
export function tableWidth(io: CliIo): number | undefined {
  const env = io.env ?? process.env;
  const columns = env.COLUMNS?.trim();
  if (columns !== undefined && /^\d+$/.test(columns) && Number(columns) > 0) return Number(columns);
  if (io.stdout.isTTY !== true) return undefined;
  return io.stdout.columns !== undefined && io.stdout.columns > 0 ? io.stdout.columns : 80;
}

/**
 * The heatmap tables of `output` as `inseq attribute` and `inseq show` print them: coloured as
 * {@link useColour} decides (`color` is false with `--no-color`), columns past {@link tableWidth}
 * left out with a note saying how many and how to see them all.
 */
export function renderCliTable(output: FeatureAttributionOutput, io: CliIo, color: boolean): string {
  const width = tableWidth(io);
  return renderOutputTerminal(output, {
    color: useColour(color, { isTTY: io.stdout.isTTY, env: io.env ?? process.env }),
    ...(width !== undefined && {
      maxWidth: width,
      overflow: 'cut',
      cutHint: 'See them all with --viz-path out.html (or .svg), a wider terminal, or COLUMNS=<width>.',
    }),
  });
}
