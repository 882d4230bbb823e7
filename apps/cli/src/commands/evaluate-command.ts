import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Command, Option } from 'commander';
import {
  InvalidInputError,
  createDefaultRegistries,
  evaluateFaithfulness,
  loadModel,
  readEvaluationCases,
  renderEvaluationHtml,
  renderEvaluationMarkdown,
  renderEvaluationTerminal,
  parseMethodOptions,
  replaceMarkedBlock,
} from 'inseq';
import type { CliIo } from '../cli-io';
import { defaultModelLabel, defaultModelPath, requireModelPath } from '../default-model-path';
import { createDownloadProgress } from '../download-progress';
import { loadPlugins } from '../load-plugins';
import { modelHeader } from '../model-header';
import { EVALUATE_FLAG_NAMES, namingFlags, renameToFlags } from '../flag-names';
import { type CliOutput, checkCliOutputs, commitCliOutputs, writesStdout } from '../outputs';
import { createProgressReporter } from '../progress';
import { tableWidth } from '../terminal-table';
import { writeMessage } from '../terminal-text';
import { cliBackends } from './attribute-command';
import { parseJsonObject, parseNonNegativeInteger, parsePositiveInteger } from './parse-json-option';

interface EvaluateFlags {
  modelNameOrPath?: string;
  dataset?: string;
  methods?: string[];
  k: number;
  maxCases?: number;
  perPhenomenon?: number;
  seed: number;
  attributionKwargs?: Record<string, unknown>;
  savePath?: string;
  html?: string;
  markdownInto?: string;
  timings?: boolean;
  batchSize?: number;
  backend?: string;
  device?: string;
  dtype?: string;
  plugin?: string[];
}

/** `--attribution-kwargs`: an object of per-method option objects. */
function perMethodOptions(value: Record<string, unknown> | undefined): Record<string, Record<string, unknown>> {
  for (const [method, options] of Object.entries(value ?? {})) {
    if (typeof options !== 'object' || options === null || Array.isArray(options)) {
      throw new InvalidInputError(
        `--attribution-kwargs maps method ids to option objects, e.g. '{"integrated_gradients": {"n_steps": 20}}'; ${JSON.stringify(method)} maps to ${JSON.stringify(options)}.`, { code: 'INVALID_ARGUMENT' },
      );
    }
  }
  return (value ?? {}) as Record<string, Record<string, unknown>>;
}

/** The dataset file: `--dataset`, else `evaluation.jsonl` in a local model folder. */
function datasetPath(flags: EvaluateFlags, modelPath: string): string {
  if (flags.dataset !== undefined) return flags.dataset;
  const inFolder = join(modelPath, 'evaluation.jsonl');
  if (existsSync(modelPath) && statSync(modelPath).isDirectory() && existsSync(inFolder)) return inFolder;
  throw new InvalidInputError(
    `No --dataset given and ${existsSync(modelPath) ? `the model folder ${modelPath} holds no evaluation.jsonl` : `${modelPath} is not a local folder`}; ` +
      'pass --dataset cases.jsonl (one {"phenomenon","prompt","target","decisive"} object per line).', { code: 'INVALID_ARGUMENT' },
  );
}

/** The first `count` cases of each phenomenon, in file order (all of them without `count`). */
function firstPerPhenomenon<T extends { readonly phenomenon?: string }>(cases: readonly T[], count: number | undefined): T[] {
  if (count === undefined) return [...cases];
  const taken = new Map<string | undefined, number>();
  return cases.filter((item) => {
    const seen = taken.get(item.phenomenon) ?? 0;
    taken.set(item.phenomenon, seen + 1);
    return seen < count;
  });
}

/** The terminal table's width limit (as `inseq attribute`'s: COLUMNS, else the terminal's width; none for a file or pipe). */
function evaluationWidth(io: CliIo) {
  const width = tableWidth(io);
  return width === undefined ? {} : { maxWidth: width, cutHint: 'See them all with --html chart.html, -o scores.json, a wider terminal, or COLUMNS=<width>.' };
}

/** `inseq evaluate`: faithfulness of attribution methods against known decisive tokens. */
export function addEvaluateCommand(program: Command, io: CliIo): void {
  program
    .command('evaluate')
    .description('Score attribution methods on held-out cases whose decisive input word is known: hit@1, hit@k, comprehensiveness, sufficiency, AOPC.')
    .option('-m, --model-name-or-path <path|id>', 'local model folder or Hugging Face Hub id; default: the shipped model (as attribute)')
    .option('--dataset <file.jsonl>', 'evaluation cases, one JSON object per line; default: evaluation.jsonl in the model folder')
    .option('-a, --methods <ids...>', 'methods to evaluate; default: every method the backend can run with default options')
    .option('--k <n>', 'top-k tokens for hit@k, comprehensiveness and sufficiency; AOPC averages k = 1..n', parsePositiveInteger, 3)
    .option('--max-cases <n>', 'evaluate only the first n cases', parsePositiveInteger)
    .option('--per-phenomenon <n>', 'evaluate only the first n cases of each phenomenon (a balanced subset)', parsePositiveInteger)
    .option('--seed <n>', 'seed of the random baseline and of seeded methods', parseNonNegativeInteger, 42)
    .option('--attribution-kwargs <json>', 'options per method, e.g. \'{"integrated_gradients": {"n_steps": 20}}\'', parseJsonObject)
    .option('-o, --save-path <file>', 'write the result (summary and every case) as JSON')
    .option('--html <file>', 'write a standalone HTML page with a bar chart per metric')
    .option('--markdown-into <file>', 'rewrite the block between <!-- inseq-evaluate:start --> and <!-- inseq-evaluate:end --> of a markdown file with the table')
    .option('--timings', 'report seconds per case of each method (also in the JSON)')
    .option('--batch-size <n>', 'rows per forward pass when scoring erased inputs', parsePositiveInteger)
    .addOption(new Option('--backend <id>', 'backend to run on (default: the one that can load the folder)').choices(cliBackends().list()))
    .option('--device <name>', "backend device, e.g. 'wasm' or 'cpu'")
    .option('--dtype <name>', "which ONNX export to load (backend ort)")
    .option('--plugin <modules...>', 'plugin modules adding methods')
    .action(async (flags: EvaluateFlags) => {
      const modelPath = requireModelPath(flags.modelNameOrPath, defaultModelPath);
      const registries = createDefaultRegistries();
      await loadPlugins(flags.plugin ?? [], registries);
      for (const id of flags.methods ?? []) if (id !== 'random') registries.methods.get(id);
      const attributionArgs = perMethodOptions(flags.attributionKwargs);
      for (const [id, options] of Object.entries(attributionArgs)) {
        if (id === 'random') continue;
        const method = registries.methods.get(id);
        await namingFlags(() => parseMethodOptions(method, options), EVALUATE_FLAG_NAMES, '--attribution-kwargs');
      }
      // Every output path is checked before any work; they are written together at the end.
      const targets = await checkCliOutputs([
        ...(flags.savePath === undefined ? [] : [{ flag: '--save-path', path: flags.savePath }]),
        ...(flags.html === undefined ? [] : [{ flag: '--html', path: flags.html }]),
        ...(flags.markdownInto === undefined ? [] : [{ flag: '--markdown-into', path: flags.markdownInto }]),
      ]);
      // Everything that can fail without the model fails first: the cases, the markdown file's markers.
      const path = datasetPath(flags, modelPath);
      const cases = firstPerPhenomenon(await readEvaluationCases(path), flags.perPhenomenon).slice(0, flags.maxCases);
      const markdown = flags.markdownInto === undefined ? undefined : await readMarkdown(flags.markdownInto);
      const downloads = createDownloadProgress(io);
      const model = await loadModel(modelPath, {
        backend: flags.backend,
        backends: cliBackends(),
        device: flags.device,
        dtype: flags.dtype,
        hub: { onProgress: (event) => downloads.update(event) },
      }).finally(() => downloads.stop());
      const progress = createProgressReporter(io, 'evaluate', 'attributions');
      try {
        const result = await namingFlags(() => evaluateFaithfulness(model, cases, {
          methods: flags.methods,
          k: flags.k,
          seed: flags.seed,
          attributionArgs,
          registries,
          ...(flags.batchSize !== undefined && { batchSize: flags.batchSize }),
          timings: flags.timings === true,
          onProgress: ({ done, total }) => progress.update({ done, total }),
          onWarning: (message) => writeMessage(io.stderr, 'warning: ', renameToFlags(message, EVALUATE_FLAG_NAMES)),
        }), EVALUATE_FLAG_NAMES);
        progress.stop();
        const summary = { ...result, model: modelPath };
        if (!writesStdout(targets)) {
          io.stdout.write(`${modelHeader('evaluate', flags.modelNameOrPath ?? defaultModelLabel(), model, flags.device)}\n${renderEvaluationTerminal(summary, evaluationWidth(io))}\n`);
        }
        for (const { method, reason } of result.skipped) writeMessage(io.stderr, `skipped ${method}: `, reason);
        if (result.timings) {
          const line = Object.entries(result.timings).map(([name, seconds]) => `${name} ${seconds.toFixed(3)}`);
          io.stderr.write(`seconds per case: ${line.join(', ')}\n`);
        }
        const outputs: CliOutput[] = [];
        if (flags.savePath !== undefined) {
          const files = [{ path: flags.savePath, data: `${JSON.stringify(summary, null, 2)}\n` }];
          outputs.push({ flag: '--save-path', files, saved: 'Saved the evaluation to', wrote: 'Wrote the evaluation to' });
        }
        if (flags.html !== undefined) {
          outputs.push({ flag: '--html', files: [{ path: flags.html, data: renderEvaluationHtml(summary) }], saved: 'Wrote the chart to', wrote: 'Wrote the chart to' });
        }
        if (flags.markdownInto !== undefined && markdown !== undefined) {
          const data = replaceMarkedBlock(markdown, renderEvaluationMarkdown(summary), { source: flags.markdownInto });
          outputs.push({ flag: '--markdown-into', files: [{ path: flags.markdownInto, data }], saved: 'Rewrote the evaluation block of', wrote: 'Wrote the evaluation block to' });
        }
        // Every output is written together: all complete, or none replaced.
        await commitCliOutputs(io, outputs);
      } finally {
        progress.stop();
        await model.backend.dispose();
      }
    });
}

/** The markdown file's text, checked for the block markers before any work. */
async function readMarkdown(path: string): Promise<string> {
  const text = await readFile(path, 'utf8').catch((cause: NodeJS.ErrnoException) => {
    throw new InvalidInputError(`Cannot read --markdown-into ${path}: ${cause.code === 'ENOENT' ? 'no such file' : cause.message}.`, { code: 'INVALID_ARGUMENT' });
  });
  replaceMarkedBlock(text, '', { source: path });
  return text;
}
