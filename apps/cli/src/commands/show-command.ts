import type { Command } from 'commander';
import { aggregateAttributionScores, createDefaultRegistries, InseqError, loadOutput } from 'inseq';
import type { CliIo } from '../cli-io';
import { loadPlugins } from '../load-plugins';
import { checkCliOutputs, commitCliOutputs, writesStdout } from '../outputs';
import { renderCliTable } from '../terminal-table';
import { escapeControlCharacters } from '../terminal-text';
import { VIZ_PATH_HELP, vizOutput } from '../viz-file';
import { type AggregationFlags, addAggregationFlags, aggregationOptions } from './aggregation-flags';
import { parsePositiveInteger } from './parse-json-option';

interface ShowFlags extends AggregationFlags {
  vizPath?: string;
  hide?: boolean;
  color: boolean;
  plugin?: string[];
  maxFileSize: number;
}

const MIB = 1024 * 1024;

/**
 * `inseq show FILE`: reads a saved attribution (inseq-ts JSON or Python Inseq's, gzipped or not;
 * gzip is inflated with a size limit) and prints its heatmap table as `inseq attribute` does, or
 * writes it with `--viz-path` (HTML, or SVG for `.svg`). The aggregation flags apply to what is shown.
 */
export function addShowCommand(program: Command, io: CliIo): void {
  const command = program
    .command('show')
    .description('Show a saved attribution file (inseq-ts or Python Inseq JSON, gzipped or not) as a table, or write it as HTML or SVG.')
    .argument('<file>', 'the attribution file (written by inseq attribute --save-path, saveOutput, or Python Inseq FeatureAttributionOutput.save)')
    .option('--viz-path <file>', VIZ_PATH_HELP)
    .option('--hide', 'do not print the heatmap table')
    .option('--no-color', 'print the table without colours (default: colours when standard output is a terminal; NO_COLOR and FORCE_COLOR apply)')
    .option('--max-file-size <MiB>', 'refuse files (or what gzip inflates to) larger than this many MiB', parsePositiveInteger, 512)
    .option('--plugin <modules...>', 'plugin modules adding methods or aggregators');
  addAggregationFlags(command, 'the shown output');
  command.action(async (file: string, flags: ShowFlags) => {
    const registries = createDefaultRegistries();
    await loadPlugins(flags.plugin ?? [], registries);
    const aggregation = aggregationOptions(flags, registries);
    // Unknown aggregator ids and conflicting flags fail before the file is read.
    aggregateAttributionScores({ sequence_attributions: [], step_attributions: null, info: {} }, { ...aggregation, aggregateOutput: false });
    const targets = await checkCliOutputs(flags.vizPath === undefined ? [] : [{ flag: '--viz-path', path: flags.vizPath }]);
    const loaded = await loadOutput(file, { maxBytes: flags.maxFileSize * MIB, raiseHint: 'pass --max-file-size <MiB>' });
    if (loaded.sequence_attributions.length === 0) {
      throw new InseqError(`Attribution file '${file}' holds no sequence: nothing to show.`, { code: 'INVALID_FILE' });
    }
    const output = aggregateAttributionScores(loaded, aggregation);
    if (!flags.hide && !writesStdout(targets)) {
      const method = output.info.attribution_method;
      const model = output.info.model_name;
      const header = `${file}${typeof method === 'string' ? ` · ${method}` : ''}${typeof model === 'string' ? ` · ${model}` : ''}`;
      // The file name and info come from the user and the file: their control characters are escaped.
      io.stdout.write(`${escapeControlCharacters(header)}\n${renderCliTable(output, io, flags.color)}\n`);
    }
    if (flags.vizPath !== undefined) {
      const title = [output.info.attribution_method, output.info.model_name].filter((part) => typeof part === 'string').join(' · ') || 'Inseq attributions';
      await commitCliOutputs(io, [vizOutput(output, flags.vizPath, title)]);
    }
  });
}
