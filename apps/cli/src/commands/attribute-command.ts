import { existsSync } from 'node:fs';
import { ortBackendLoader } from '@inseq/backend-ort';
import { tfjsBackendLoader } from '@inseq/backend-tfjs';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { type AggregationFlags, addAggregationFlags, aggregationOptions } from './aggregation-flags';
import {
  type OutputFileFormat,
  type ScoresPrecision,
  type BackendLoader,
  InvalidInputError,
  aggregateAttributionScores,
  attribute,
  createDefaultRegistries,
  createRegistry,
  loadModel,
  outputFileFormats,
  scoresPrecisions,
  outputFileContents,
  parseMethodOptions,
  parseSharedStepScoresArgs,
  parseStepFunctionOptions,
  splitSequencePath,
} from 'inseq';
import type { CliIo } from '../cli-io';
import { renderCliTable } from '../terminal-table';
import { VIZ_PATH_HELP, vizOutput } from '../viz-file';
import { defaultModelLabel, defaultModelPath, requireModelPath } from '../default-model-path';
import { modelHeader } from '../model-header';
import { createDownloadProgress } from '../download-progress';
import { loadPlugins } from '../load-plugins';
import { createProgressReporter } from '../progress';
import { parseJsonObject, parseNonNegativeInteger, parsePositiveInteger } from './parse-json-option';
import { MAX_PASSES_WITHOUT_YES, checkAttributionCost, estimateAttributionCost } from '../cost-estimate';
import { ATTRIBUTE_FLAG_NAMES, namingFlags, renameToFlags } from '../flag-names';
import { type CliOutput, checkCliOutputs, commitCliOutputs, writesStdout } from '../outputs';
import { writeMessage } from '../terminal-text';

interface AttributeFlags extends AggregationFlags {
  modelNameOrPath?: string;
  revision?: string;
  attributionMethod: string;
  inputTexts: string[];
  generatedTexts?: string[];
  stepScores?: string[];
  attributedFn?: string;
  attributionKwargs?: Record<string, unknown>;
  savePath?: string;
  vizPath?: string;
  startPos?: number;
  endPos?: number;
  maxNewTokens?: number;
  batchSize?: number;
  hide?: boolean;
  color: boolean;
  backend?: string;
  device?: string;
  dtype?: string;
  contrastTargets?: string[];
  contrastSources?: string[];
  contrastTargetsAlignments?: 'auto' | [number, number][] | [number, number][][];
  contrastForceInputs?: boolean;
  attributedFnArgs?: Record<string, unknown>;
  stepScoresArgs?: Record<string, unknown>;
  plugin?: string[];
  format: OutputFileFormat;
  scoresPrecision: ScoresPrecision;
  compress?: boolean;
  splitSequences?: boolean;
  attributeTarget?: boolean;
  generateFromTargetPrefix?: boolean;
  chatTemplate?: boolean;
  tokenizerKwargs?: Record<string, unknown>;
  yes?: boolean;
}

/** Inseq's `--tokenizer-kwargs` keys the CLI understands: `src_lang` and `tgt_lang` of multilingual encoder-decoder models. */
function languageCodes(kwargs: Record<string, unknown> | undefined): { srcLang?: string; tgtLang?: string } {
  const unknown = Object.keys(kwargs ?? {}).filter((key) => key !== 'src_lang' && key !== 'tgt_lang');
  if (unknown.length > 0) {
    throw new InvalidInputError(`--tokenizer-kwargs: unsupported key(s) ${unknown.join(', ')}; supported: src_lang, tgt_lang.`, { code: 'INVALID_ARGUMENT' });
  }
  const code = (key: string) => {
    const value = kwargs?.[key];
    if (value !== undefined && typeof value !== 'string') throw new InvalidInputError(`--tokenizer-kwargs ${key} must be a string.`, { code: 'INVALID_ARGUMENT' });
    return value as string | undefined;
  };
  const [srcLang, tgtLang] = [code('src_lang'), code('tgt_lang')];
  return { ...(srcLang !== undefined && { srcLang }), ...(tgtLang !== undefined && { tgtLang }) };
}

/** `--contrast-targets-alignments`: 'auto' or JSON pairs. */
function parseAlignments(value: string): 'auto' | [number, number][] | [number, number][][] {
  if (value.trim() === 'auto') return 'auto';
  try {
    const parsed = JSON.parse(value);
    if (Array.isArray(parsed)) return parsed;
  } catch {
    // fall through to the usage error
  }
  throw new InvalidArgumentError(`must be 'auto' or JSON [target, contrast] pairs, e.g. '[[5, 5], [6, 7]]'.`);
}

/** Every backend the CLI ships with. */
export function cliBackends() {
  // tfjs first: it offers every capability; ort takes the folders that hold only ONNX.
  return createRegistry<BackendLoader>('backend').register(tfjsBackendLoader).register(ortBackendLoader);
}

/** `inseq attribute`: Inseq's CLI flags, in kebab-case. */
export function addAttributeCommand(program: Command, io: CliIo): void {
  const command = program
    .command('attribute')
    .description('Attribute the continuation of input texts and show a heatmap.')
    .option(
      '-m, --model-name-or-path <path|id>',
      'local model folder (Hugging Face layout) or Hugging Face Hub id (org/name, org/name@revision; HF_TOKEN, HF_ENDPOINT, HF_HUB_OFFLINE apply); default: the shipped tiny-gpt2',
    )
    .option('--revision <rev>', 'Hub branch, tag or commit sha of -m (default: main)')
    .option('-a, --attribution-method <id>', 'attribution method id (see list-methods)', 'saliency')
    .requiredOption('-i, --input-texts <texts...>', 'one or more input texts')
    .option('-g, --generated-texts <texts...>', 'texts to force-decode, each starting with its input text')
    .option('--step-scores <ids...>', 'step functions to compute at each step (see list-step-functions)')
    .option('--attributed-fn <id>', 'step function whose value is attributed', 'probability')
    .option('--attributed-fn-args <json>', 'options of the attributed function as a JSON object', parseJsonObject)
    .option('--step-scores-args <json>', 'options of the step functions as a JSON object, e.g. \'{"top_p": 0.9}\'', parseJsonObject)
    .option('--contrast-targets <texts...>', 'contrastive alternatives, one per input, each starting with its input text')
    .option('--contrast-targets-alignments <json|auto>', "alignment of targets to contrastive targets ('auto' or JSON pairs)", parseAlignments)
    .option('--contrast-force-inputs', 'score each alternative after its own prefix')
    .option('--contrast-sources <texts...>', 'encoder-decoder: alternative source texts, one per input (with --contrast-targets)')
    .option('--attribution-kwargs <json>', 'method options as a JSON object, e.g. \'{"n_steps": 10}\'', parseJsonObject)
    .option('-o, --save-path <file>', "write the attribution as JSON ('-': standard output, which then skips the table)")
    .option('--viz-path <file>', VIZ_PATH_HELP)
    .option('-y, --yes', `run even when the estimated forward/backward passes exceed ${MAX_PASSES_WITHOUT_YES.toLocaleString('en-US')}`)
    .option('--start-pos <n>', 'first target position to attribute', parseNonNegativeInteger)
    .option('--end-pos <n>', 'one past the last target position to attribute', parseNonNegativeInteger)
    .option('--max-new-tokens <n>', 'tokens to generate when no generated texts are given', parsePositiveInteger)
    .option('--batch-size <n>', 'sequences attributed together', parsePositiveInteger)
    .option('--attribute-target', 'also attribute to the target prefix (encoder-decoder models; decoder-only ones always do)')
    .option('--chat-template', "decoder-only chat models: wrap each input in the tokenizer's chat template (-g then gives the replies)")
    .option('--generate-from-target-prefix', 'encoder-decoder: continue the generated texts instead of forcing them')
    .option('--tokenizer-kwargs <json>', 'encoder-decoder: {"src_lang": …, "tgt_lang": …} language codes of multilingual models', parseJsonObject)
    .option('--hide', 'do not print the heatmap table')
    .option('--no-color', 'print the table without colours (default: colours when standard output is a terminal; NO_COLOR and FORCE_COLOR apply)')
    .addOption(new Option('--backend <id>', 'backend to run on (default: the one that can load the folder)').choices(cliBackends().list()))
    .option('--device <name>', "backend device, e.g. 'wasm' or 'cpu'")
    .option('--dtype <name>', "which ONNX export to load: 'fp32', 'fp16', 'q8', … (transformers.js names; backend ort)")
    .option('--plugin <modules...>', 'plugin modules adding methods, step functions or aggregators')
    .addOption(
      new Option('--format <name>', "file format of --save-path: inseq-ts JSON, or Python Inseq's (FeatureAttributionOutput.load reads it)")
        .choices([...outputFileFormats])
        .default('inseq-ts'),
    )
    .addOption(new Option('--scores-precision <dtype>', 'precision of the saved scores').choices([...scoresPrecisions]).default('float32'))
    .option('--compress', 'gzip the saved file (also when --save-path ends in .gz)')
    .option('--split-sequences', 'save one file per sequence (out_0.json, out_1.json, …)');
  addAggregationFlags(command, 'the saved output');
  command.action(async (flags: AttributeFlags) => {
      const modelPath = requireModelPath(flags.modelNameOrPath, defaultModelPath);
      const registries = createDefaultRegistries();
      await loadPlugins(flags.plugin ?? [], registries);
      // Resolve ids and parse every plugin's options first: a typo fails before a model is loaded,
      // naming the flag it came from.
      const method = registries.methods.get(flags.attributionMethod);
      const attributedFn = registries.stepFunctions.get(flags.attributedFn ?? 'probability');
      const stepScoreFns = (flags.stepScores ?? []).map((id) => registries.stepFunctions.get(id));
      const methodOptions = await namingFlags(() => parseMethodOptions(method, flags.attributionKwargs ?? {}), ATTRIBUTE_FLAG_NAMES, '--attribution-kwargs');
      await namingFlags(() => parseStepFunctionOptions(attributedFn, flags.attributedFnArgs ?? {}), ATTRIBUTE_FLAG_NAMES, '--attributed-fn-args');
      await namingFlags(() => parseSharedStepScoresArgs(stepScoreFns, flags.stepScoresArgs ?? {}), ATTRIBUTE_FLAG_NAMES, '--step-scores-args');
      const aggregation = aggregationOptions(flags, registries);
      // Unknown aggregator ids and conflicting flags fail before the model is loaded.
      aggregateAttributionScores({ sequence_attributions: [], step_attributions: null, info: {} }, { ...aggregation, aggregateOutput: false });
      // Every output path is checked before any work: a bad one must not cost a run, nor leave another output behind.
      if (flags.splitSequences && flags.savePath !== undefined && (flags.savePath === '-' || flags.savePath.startsWith('/dev/'))) {
        throw new InvalidInputError(`--split-sequences writes one file per sequence; give --save-path a file path, not ${JSON.stringify(flags.savePath)}.`, { code: 'INVALID_ARGUMENT' });
      }
      const savePaths =
        flags.savePath === undefined ? [] : flags.splitSequences ? flags.inputTexts.map((_, i) => splitSequencePath(flags.savePath as string, i)) : [flags.savePath];
      const targets = await checkCliOutputs([
        ...savePaths.map((path) => ({ flag: '--save-path', path })),
        ...(flags.vizPath === undefined ? [] : [{ flag: '--viz-path', path: flags.vizPath }]),
      ]);
      if (flags.revision !== undefined && existsSync(modelPath)) {
        writeMessage(io.stderr, 'warning: ', `--revision applies to Hub ids; '${modelPath}' is a local folder, read as it is.`);
      }
      const downloads = createDownloadProgress(io);
      const model = await loadModel(modelPath, {
        backend: flags.backend,
        backends: cliBackends(),
        device: flags.device,
        dtype: flags.dtype,
        ...(flags.revision !== undefined && { revision: flags.revision }),
        hub: { onProgress: (event) => downloads.update(event) },
      }).finally(() => downloads.stop());
      const progress = createProgressReporter(io, flags.attributionMethod);
      try {
        checkAttributionCost(
          estimateAttributionCost(model, flags.inputTexts, { generatedTexts: flags.generatedTexts, maxNewTokens: flags.maxNewTokens }, methodOptions),
          flags.yes,
        );
        const output = await namingFlags(
          () =>
            attribute(model, flags.inputTexts, {
              method: flags.attributionMethod,
              methods: registries.methods,
              stepFunctions: registries.stepFunctions,
              generatedTexts: flags.generatedTexts,
              stepScores: flags.stepScores,
              attributedFn: flags.attributedFn,
              attributedFnArgs: flags.attributedFnArgs,
              stepScoresArgs: flags.stepScoresArgs,
              contrastTargets: flags.contrastTargets,
              contrastTargetsAlignments: flags.contrastTargetsAlignments,
              contrastForceInputs: flags.contrastForceInputs,
              contrastSources: flags.contrastSources,
              attributionArgs: flags.attributionKwargs,
              attrPosStart: flags.startPos,
              attrPosEnd: flags.endPos,
              maxNewTokens: flags.maxNewTokens,
              batchSize: flags.batchSize,
              attributeTarget: flags.attributeTarget,
              generateFromTargetPrefix: flags.generateFromTargetPrefix,
              chatTemplate: flags.chatTemplate,
              ...languageCodes(flags.tokenizerKwargs),
              onWarning: (message) => writeMessage(io.stderr, 'warning: ', renameToFlags(message, ATTRIBUTE_FLAG_NAMES)),
              onProgress: (event) => progress.update(event),
            }),
          ATTRIBUTE_FLAG_NAMES,
        );
        progress.stop();
        // '-' puts the JSON or HTML on stdout, where the table would corrupt it.
        if (!flags.hide && !writesStdout(targets)) {
          io.stdout.write(`${modelHeader(flags.attributionMethod, flags.modelNameOrPath ?? defaultModelLabel(), model, flags.device)}\n${renderCliTable(output, io, flags.color)}\n`);
        }
        const outputs: CliOutput[] = [];
        if (flags.savePath !== undefined) {
          // As Inseq's CLI: the table and HTML show the output as attributed; the saved file is aggregated when asked.
          const files = await outputFileContents(aggregateAttributionScores(output, aggregation), flags.savePath, {
            format: flags.format,
            scoresPrecision: flags.scoresPrecision,
            ...(flags.compress && { compress: true }),
            ...(flags.splitSequences && { splitSequences: true }),
          });
          outputs.push({ flag: '--save-path', files, saved: 'Saved attributions to', wrote: 'Wrote attributions to' });
        }
        if (flags.vizPath !== undefined) {
          outputs.push(vizOutput(output, flags.vizPath, `${output.info.attribution_method} · ${model.name}`));
        }
        // Every output is written together: all complete, or none replaced.
        await commitCliOutputs(io, outputs);
      } finally {
        progress.stop();
        await model.backend.dispose();
      }
    });
}
