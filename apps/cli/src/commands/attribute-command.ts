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
  includeEosBaseline?: boolean;
  eos?: boolean;
  outputStepAttributions?: boolean;
  generationKwargs?: Record<string, unknown>;
  modelKwargs?: Record<string, unknown>;
  verbose?: boolean;
  veryVerbose?: boolean;
}

/** `--generation-kwargs` keys the CLI honours; generation here is greedy (transformers' do_sample false). */
const GENERATION_KWARGS = ['max_new_tokens', 'do_sample'] as const;

/** Inseq's `--generation-kwargs`: `max_new_tokens` (as --max-new-tokens) and `do_sample: false`; anything else is refused, naming what is supported. */
export function generationOptions(kwargs: Record<string, unknown> | undefined, maxNewTokens: number | undefined): { maxNewTokens?: number } {
  if (kwargs === undefined) return maxNewTokens === undefined ? {} : { maxNewTokens };
  const unknown = Object.keys(kwargs).filter((key) => !(GENERATION_KWARGS as readonly string[]).includes(key));
  if (unknown.length > 0) {
    throw new InvalidInputError(
      `--generation-kwargs: unsupported key(s) ${unknown.join(', ')}; supported: ${GENERATION_KWARGS.join(', ')} (generation is greedy).`, { code: 'INVALID_ARGUMENT' },
    );
  }
  if (kwargs.do_sample !== undefined && kwargs.do_sample !== false) {
    throw new InvalidInputError(`--generation-kwargs do_sample must be false: inseq-ts generates greedily (got ${JSON.stringify(kwargs.do_sample)}).`, { code: 'INVALID_ARGUMENT' });
  }
  const given = kwargs.max_new_tokens;
  if (given === undefined) return maxNewTokens === undefined ? {} : { maxNewTokens };
  if (typeof given !== 'number' || !Number.isInteger(given) || given < 1) {
    throw new InvalidInputError(`--generation-kwargs max_new_tokens must be a positive integer, got ${JSON.stringify(given)}.`, { code: 'INVALID_ARGUMENT' });
  }
  if (maxNewTokens !== undefined && maxNewTokens !== given) {
    throw new InvalidInputError(`--max-new-tokens ${maxNewTokens} and --generation-kwargs max_new_tokens ${given} disagree; give one.`, { code: 'INVALID_ARGUMENT' });
  }
  return { maxNewTokens: given };
}

/**
 * Inseq's `--model-kwargs` go to PyTorch's `from_pretrained`, which inseq-ts does not run: `revision`
 * maps to --revision; any other key cannot apply, which the returned warning says.
 */
export function modelKwargsOptions(kwargs: Record<string, unknown> | undefined, revision: string | undefined): { revision?: string; warning?: string } {
  if (kwargs === undefined) return revision === undefined ? {} : { revision };
  const given = kwargs.revision;
  if (given !== undefined && typeof given !== 'string') {
    throw new InvalidInputError(`--model-kwargs revision must be a string, got ${JSON.stringify(given)}.`, { code: 'INVALID_ARGUMENT' });
  }
  if (given !== undefined && revision !== undefined && given !== revision) {
    throw new InvalidInputError(`--revision ${revision} and --model-kwargs revision ${given} disagree; give one.`, { code: 'INVALID_ARGUMENT' });
  }
  const ignored = Object.keys(kwargs).filter((key) => key !== 'revision');
  const resolved = revision ?? given;
  return {
    ...(resolved !== undefined && { revision: resolved }),
    ...(ignored.length > 0 && {
      warning:
        `--model-kwargs ${ignored.join(', ')} ignored: they are arguments of PyTorch's from_pretrained, which inseq-ts does not run ` +
        '(models load through --backend, --device and --dtype; revision is the one key that maps, to --revision).',
    }),
  };
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
    .option('--split-sequences', 'save one file per sequence (out_0.json, out_1.json, …)')
    .option('--include-eos-baseline', "methods with a baseline replace the eos too (Inseq's include_eos_baseline; by default it keeps its id, so its attribution is 0)")
    .addOption(new Option('--eos', 'alias of --include-eos-baseline, as in Inseq').hideHelp())
    .option('--output-step-attributions', 'also save the per-step attributions (the step_attributions field of --save-path)')
    .option('--generation-kwargs <json>', `generation options as a JSON object: ${GENERATION_KWARGS.join(', ')} (false only; generation is greedy)`, parseJsonObject)
    .option('--model-kwargs <json>', "Inseq's from_pretrained arguments: only revision maps (to --revision); the others cannot apply and are reported", parseJsonObject)
    .option('-v, --verbose', 'log model details and timings to standard error')
    .option('--very-verbose', "Inseq's -vv (DEBUG logging): the same as -v here, which has no further level");
  addAggregationFlags(command, 'the saved output');
  command.action(async (flags: AttributeFlags) => {
      const modelPath = requireModelPath(flags.modelNameOrPath, defaultModelPath);
      const verbose = (message: string) => {
        if (flags.verbose || flags.veryVerbose) io.stderr.write(`[inseq] ${message}\n`);
      };
      const generation = generationOptions(flags.generationKwargs, flags.maxNewTokens);
      const modelKwargs = modelKwargsOptions(flags.modelKwargs, flags.revision);
      if (modelKwargs.warning) writeMessage(io.stderr, 'warning: ', modelKwargs.warning);
      const revision = modelKwargs.revision;
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
      if (revision !== undefined && existsSync(modelPath)) {
        writeMessage(io.stderr, 'warning: ', `--revision applies to Hub ids; '${modelPath}' is a local folder, read as it is.`);
      }
      const downloads = createDownloadProgress(io);
      const startedAt = performance.now();
      const model = await loadModel(modelPath, {
        backend: flags.backend,
        backends: cliBackends(),
        device: flags.device,
        dtype: flags.dtype,
        ...(revision !== undefined && { revision }),
        hub: { onProgress: (event) => downloads.update(event) },
      }).finally(() => downloads.stop());
      const { config } = model.backend;
      verbose(
        `loaded ${model.name} in ${((performance.now() - startedAt) / 1000).toFixed(2)} s: backend ${model.backend.name}${flags.device ? ` (${flags.device})` : ''}, ` +
          `${config.modelType}${config.isEncoderDecoder ? ' encoder-decoder' : ''}, ${config.numLayers} layers, hidden ${config.hiddenSize}, vocabulary ${config.vocabSize}`,
      );
      const progress = createProgressReporter(io, flags.attributionMethod);
      try {
        checkAttributionCost(
          estimateAttributionCost(model, flags.inputTexts, { generatedTexts: flags.generatedTexts, maxNewTokens: generation.maxNewTokens }, methodOptions),
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
              maxNewTokens: generation.maxNewTokens,
              batchSize: flags.batchSize,
              includeEosBaseline: flags.includeEosBaseline || flags.eos,
              outputStepAttributions: flags.outputStepAttributions,
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
        verbose(
          `attributed ${output.sequence_attributions.length} sequence(s), ` +
            `${output.sequence_attributions.reduce((sum, sequence) => sum + sequence.attr_pos_end - sequence.attr_pos_start, 0)} step(s) ` +
            `with ${output.info.attribution_method} in ${Number(output.info.exec_time).toFixed(2)} s`,
        );
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
