import { existsSync } from 'node:fs';
import { queueDataset } from './attribute-dataset-queue';
import { countExamples, openAttributionLog, readExamples, resolveDataset, runDatasetAttribution } from '@inseq/datasets';
import { type Command, Option } from 'commander';
import { attribute, createDefaultRegistries, loadModel, parseMethodOptions, scoresPrecisions, type ScoresPrecision } from 'inseq';
import type { CliIo } from '../cli-io';
import { defaultModelLabel, defaultModelPath, requireModelPath } from '../default-model-path';
import { createDownloadProgress } from '../download-progress';
import { ATTRIBUTE_FLAG_NAMES, namingFlags, renameToFlags } from '../flag-names';
import { loadPlugins } from '../load-plugins';
import { createProgressReporter } from '../progress';
import { writeMessage } from '../terminal-text';
import { cliBackends } from './attribute-command';
import { parseJsonObject, parseNonNegativeInteger, parsePositiveInteger } from './parse-json-option';

export interface AttributeDatasetFlags {
  modelNameOrPath?: string;
  revision?: string;
  attributionMethod: string;
  datasetName: string;
  datasetConfig?: string;
  datasetDir?: string;
  datasetRevision?: string;
  datasetFiles?: string[];
  datasetSplit: string;
  inputTextField: string;
  generatedTextField?: string;
  batchSize: number;
  savePath: string;
  maxExamples?: number;
  resume?: boolean;
  stepScores?: string[];
  attributedFn?: string;
  attributedFnArgs?: Record<string, unknown>;
  stepScoresArgs?: Record<string, unknown>;
  attributionKwargs?: Record<string, unknown>;
  startPos?: number;
  endPos?: number;
  maxNewTokens?: number;
  includeEosBaseline?: boolean;
  eos?: boolean;
  backend?: string;
  device?: string;
  dtype?: string;
  plugin?: string[];
  scoresPrecision: ScoresPrecision;
  queue?: string;
  queueName?: string;
}

/** `inseq attribute-dataset`: Inseq's flags, in kebab-case; writes one JSON line per example, resumable. */
export function addAttributeDatasetCommand(program: Command, io: CliIo): void {
  program
    .command('attribute-dataset')
    .description('Attribute every example of a dataset into a JSON Lines file, one line per example (resumable).')
    .option('-m, --model-name-or-path <path|id>', 'local model folder or Hugging Face Hub id; default: the shipped model')
    .option('--revision <rev>', 'Hub branch, tag or commit sha of -m (default: main)')
    .option('-a, --attribution-method <id>', 'attribution method id (see list-methods)', 'saliency')
    .requiredOption('-d, --dataset-name <path>', 'data file (.jsonl, .json, .csv, .tsv, .parquet), folder in the Hugging Face datasets layout, or Hub dataset id (org/name, org/name@revision; HF_TOKEN, HF_ENDPOINT, HF_HUB_OFFLINE apply)')
    .option('--dataset-config <name>', 'config of the dataset folder (README.md configs, or a sub-folder)')
    .option('--dataset-dir <folder>', 'sub-folder of the dataset holding the data files (datasets\' data_dir)')
    .option('--dataset-revision <rev>', 'Hub dataset branch, tag or commit sha (default: main)')
    .option('--dataset-files <globs...>', 'data files to read, relative to the dataset folder (globs allowed)')
    .option('--dataset-split <name>', 'split to read', 'train')
    .requiredOption('--input-text-field <name>', 'column holding the input texts (e.g. text)')
    .option('--generated-text-field <name>', 'column holding texts to force-decode (each starting with its input text)')
    .option('--batch-size <n>', 'examples attributed together; the file is appended and synced after each batch', parsePositiveInteger, 8)
    .requiredOption('-o, --save-path <file>', 'JSON Lines output, one {"index", "input_text", "generated_text"?, "output"} per example')
    .option('--max-examples <n>', 'attribute only the first n examples', parsePositiveInteger)
    .option('--resume', 'continue an interrupted -o file: skip the examples it holds (same dataset, model, method and options only)')
    .option('--step-scores <ids...>', 'step functions to compute at each step')
    .option('--attributed-fn <id>', 'step function whose value is attributed', 'probability')
    .option('--attributed-fn-args <json>', 'options of the attributed function as a JSON object', parseJsonObject)
    .option('--step-scores-args <json>', 'options of the step functions as a JSON object', parseJsonObject)
    .option('--attribution-kwargs <json>', 'method options as a JSON object', parseJsonObject)
    .option('--start-pos <n>', 'first target position to attribute', parseNonNegativeInteger)
    .option('--end-pos <n>', 'one past the last target position to attribute', parseNonNegativeInteger)
    .option('--max-new-tokens <n>', 'tokens to generate when no generated text field is given', parsePositiveInteger)
    .option('--include-eos-baseline', "methods with a baseline replace the eos too (Inseq's include_eos_baseline)")
    .addOption(new Option('--eos', 'alias of --include-eos-baseline, as in Inseq').hideHelp())
    .addOption(new Option('--backend <id>', 'backend to run on').choices(cliBackends().list()))
    .option('--device <name>', "backend device, e.g. 'wasm' or 'cpu'")
    .option('--dtype <name>', "which ONNX export to load (backend ort)")
    .option('--plugin <modules...>', 'plugin modules adding methods or step functions')
    .addOption(new Option('--scores-precision <dtype>', 'precision of the saved scores').choices([...scoresPrecisions]).default('float32'))
    .option('--queue <url>', 'enqueue the examples on this Redis (redis://[user:pass@]host:port[/db], rediss:// for TLS) for `inseq worker`s, and write their results to -o as they complete')
    .option('--queue-name <name>', 'BullMQ queue name (the workers must use the same)')
    .action(async (flags: AttributeDatasetFlags) => {
      const modelPath = requireModelPath(flags.modelNameOrPath, defaultModelPath);
      const registries = createDefaultRegistries();
      await loadPlugins(flags.plugin ?? [], registries);
      const method = registries.methods.get(flags.attributionMethod);
      await namingFlags(() => parseMethodOptions(method, flags.attributionKwargs ?? {}), ATTRIBUTE_FLAG_NAMES, '--attribution-kwargs');
      // The dataset and the output file are checked before the model loads.
      const datasetDownloads = createDownloadProgress(io);
      const dataset = await resolveDataset({
        name: flags.datasetName,
        hub: { onProgress: (event) => datasetDownloads.update(event), ...(flags.datasetRevision !== undefined && { revision: flags.datasetRevision }) },
        config: flags.datasetConfig,
        dir: flags.datasetDir,
        files: flags.datasetFiles,
        split: flags.datasetSplit,
        inputTextField: flags.inputTextField,
        generatedTextField: flags.generatedTextField,
      }).finally(() => datasetDownloads.stop());
      const settings = Object.fromEntries(
        Object.entries({
          revision: flags.revision,
          attributedFn: flags.attributedFn,
          attributedFnArgs: flags.attributedFnArgs,
          attributionKwargs: flags.attributionKwargs,
          stepScores: flags.stepScores,
          stepScoresArgs: flags.stepScoresArgs,
          startPos: flags.startPos,
          endPos: flags.endPos,
          maxNewTokens: flags.maxNewTokens,
          includeEosBaseline: flags.includeEosBaseline || flags.eos || undefined,
          backend: flags.backend,
          dtype: flags.dtype,
          scoresPrecision: flags.scoresPrecision,
        }).filter(([, value]) => value !== undefined),
      );
      // A missing or non-text field in the first row fails here, before the output file exists.
      for await (const _ of readExamples(dataset, { maxExamples: 1 })) break;
      const total = await countExamples(dataset, { maxExamples: flags.maxExamples });
      const modelLabel = flags.modelNameOrPath ?? defaultModelLabel();
      const log = await openAttributionLog(flags.savePath, { dataset: dataset.fingerprint, model: modelLabel, method: flags.attributionMethod, settings }, { resume: flags.resume });
      const controller = new AbortController();
      // First Ctrl-C: finish the current batch, then stop with the file consistent; a second one ends at once.
      const onSigint = () => {
        process.removeListener('SIGINT', onSigint);
        writeMessage(io.stderr, 'warning: ', 'stopping after the current batch (Ctrl-C again to quit now; --resume continues).');
        controller.abort();
      };
      process.on('SIGINT', onSigint);
      const progress = createProgressReporter(io, flags.attributionMethod, 'examples');
      if (flags.queue !== undefined) {
        try {
          const result = await queueDataset({ flags, modelPath, dataset, log, total, signal: controller.signal, progress, io });
          progress.stop();
          io.stderr.write(summaryLine(result, flags.savePath));
          return;
        } finally {
          process.removeListener('SIGINT', onSigint);
          progress.stop();
          await log.close();
        }
      }
      let model: Awaited<ReturnType<typeof loadModel>> | undefined;
      try {
        if (flags.revision !== undefined && existsSync(modelPath)) {
          writeMessage(io.stderr, 'warning: ', `--revision applies to Hub ids; '${modelPath}' is a local folder, read as it is.`);
        }
        const downloads = createDownloadProgress(io);
        model = await loadModel(modelPath, {
          backend: flags.backend,
          backends: cliBackends(),
          device: flags.device,
          dtype: flags.dtype,
          ...(flags.revision !== undefined && { revision: flags.revision }),
          hub: { onProgress: (event) => downloads.update(event) },
        }).finally(() => downloads.stop());
        const loaded = model;
        const result = await runDatasetAttribution({
          examples: readExamples(dataset, { maxExamples: flags.maxExamples }),
          batchSize: flags.batchSize,
          log,
          signal: controller.signal,
          serialize: { scoresPrecision: flags.scoresPrecision },
          onProgress: ({ written, skipped }) => progress.update({ done: written + skipped, total }),
          attributeBatch: (examples) =>
            namingFlags(
              () =>
                attribute(
                  loaded,
                  examples.map((example) => example.inputText),
                  {
                    method: flags.attributionMethod,
                    methods: registries.methods,
                    stepFunctions: registries.stepFunctions,
                    ...(flags.generatedTextField !== undefined && { generatedTexts: examples.map((example) => example.generatedText as string) }),
                    stepScores: flags.stepScores,
                    attributedFn: flags.attributedFn,
                    attributedFnArgs: flags.attributedFnArgs,
                    stepScoresArgs: flags.stepScoresArgs,
                    attributionArgs: flags.attributionKwargs,
                    attrPosStart: flags.startPos,
                    attrPosEnd: flags.endPos,
                    maxNewTokens: flags.maxNewTokens,
                    includeEosBaseline: flags.includeEosBaseline || flags.eos,
                    batchSize: flags.batchSize,
                    onWarning: (message) => writeMessage(io.stderr, 'warning: ', renameToFlags(message, ATTRIBUTE_FLAG_NAMES)),
                  },
                ),
              ATTRIBUTE_FLAG_NAMES,
            ),
        });
        progress.stop();
        io.stderr.write(summaryLine(result, flags.savePath));
      } finally {
        process.removeListener('SIGINT', onSigint);
        progress.stop();
        await log.close();
        await model?.backend.dispose();
      }
    });
}

/** The closing line of a run: what was written (and skipped), or where it stopped. */
function summaryLine(result: { written: number; skipped: number; aborted: boolean }, savePath: string): string {
  const verb = result.aborted ? 'Stopped after' : 'Wrote';
  const skipped = result.skipped > 0 ? ` (${result.skipped} already there)` : '';
  return `${verb} ${result.written} example(s) to ${savePath}${skipped}${result.aborted ? '; rerun with --resume to continue' : ''}.\n`;
}
