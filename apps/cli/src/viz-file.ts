import { type FeatureAttributionOutput, renderOutputHtml, renderOutputSvg } from 'inseq';
import type { CliOutput } from './outputs';

/** Whether `--viz-path` asks for SVG: its extension is `.svg` (any case); anything else, `-` included, gets HTML. */
export function isSvgPath(path: string): boolean {
  return /\.svg$/i.test(path);
}

/**
 * The `--viz-path` output of `inseq attribute` and `inseq show`: a standalone SVG heatmap (every
 * sequence stacked in one file) when the path ends in `.svg`, else the interactive HTML page.
 */
export function vizOutput(output: FeatureAttributionOutput, path: string, title: string): CliOutput {
  const data = isSvgPath(path) ? renderOutputSvg(output, { title }) : renderOutputHtml(output, { title });
  return { flag: '--viz-path', files: [{ path, data }], saved: 'Wrote heatmap to', wrote: 'Wrote heatmap to' };
}

/** Help text of `--viz-path`. */
export const VIZ_PATH_HELP = "write the heatmap as a standalone HTML file, or as SVG when the path ends in .svg ('-': HTML on standard output)";
