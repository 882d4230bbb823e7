import { createInterface } from 'node:readline/promises';
import { InvalidInputError } from '@inseq/core';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { type ContextPrompter, attributeContext, createDefaultRegistries, loadModel, renderContextHtml, renderContextTerminal } from 'inseq';
import type { CliIo } from '../cli-io';
import { useColour } from '../colour';
import { defaultModelPath, requireModelPath } from '../default-model-path';
import { createDownloadProgress } from '../download-progress';
import { type CliOutput, checkCliOutputs, commitCliOutputs, writesStdout } from '../outputs';
import { writeMessage } from '../terminal-text';
import { cliBackends, generationOptions } from './attribute-command';
import { parseJsonObject, parseNonNegativeInteger } from './parse-json-option';

interface AttributeContextFlags {
  modelNameOrPath?: string;
  inputContextText?: string;
  inputCurrentText: string;
  outputContextText?: string;
  outputCurrentText?: string;
  contextlessInputCurrentText?: string;
  contextlessOutputCurrentText?: string;
  contextSensitivityMetric: string;
  contextSensitivityStdThreshold: number;
  contextSensitivityTopk?: number;
  attributionMethod: string;
  attributedFn: string;
  attributionStdThreshold: number;
  attributionTopk?: number;
  attributionKwargs?: Record<string, unknown>;
  inputTemplate?: string;
  outputTemplate?: string;
  specialTokensToKeep?: string[];
  decoderInputOutputSeparator: string;
  handleOutputContextStrategy: 'manual' | 'auto' | 'pre';
  contextlessOutputNextTokens?: string[];
  promptUserForContextlessOutputNextTokens?: boolean;
  attributionSelectors?: string[];
  attributionAggregators?: string[];
  normalizeAttributions?: boolean;
  rescaleAttributions?: boolean;
  tokenizerKwargs?: Record<string, unknown>;
  showIntermediateOutputs?: boolean;
  addOutputInfo: boolean;
  savePath?: string;
  vizPath?: string;
  showViz: boolean;
  generationKwargs?: Record<string, unknown>;
  modelKwargs?: Record<string, unknown>;
  backend?: string;
  device?: string;
  color: boolean;
}

function parseFloatOption(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError(`expected a number, got '${value}'.`);
  return n;
}

/** Asks on the terminal (prompts on stderr, so that `-o -` keeps stdout clean); undefined when stdin is not a TTY. */
function terminalPrompter(io: CliIo): (ContextPrompter & { close(): void }) | undefined {
  if (!io.stdin?.isTTY) return undefined;
  const rl = createInterface({ input: io.stdin, output: io.stderr as NodeJS.WritableStream });
  return {
    async confirm(question) {
      for (;;) {
        const answer = (await rl.question(`${question} [y/n]: `)).trim().toLowerCase();
        if (answer === 'y' || answer === 'yes') return true;
        if (answer === 'n' || answer === 'no') return false;
        io.stderr.write('Please answer y or n.\n');
      }
    },
    ask: (question) => rl.question(`${question}: `),
    notify: (message) => {
      io.stderr.write(`${message}\n`);
    },
    close: () => rl.close(),
  };
}

/** Inseq flags whose effect this command cannot reproduce: refused with the reason when given. */
const NOT_APPLICABLE: Record<string, { flag: string; why: string }> = {
  attributionSelectors: { flag: '--attribution-selectors', why: 'CCI scores are aggregated one fixed way here (L2 norm over the hidden size, then normalised over source and target)' },
  attributionAggregators: { flag: '--attribution-aggregators', why: 'CCI scores are aggregated one fixed way here (L2 norm over the hidden size, then normalised over source and target)' },
  normalizeAttributions: { flag: '--normalize-attributions', why: 'CCI scores are always normalised over source and target here' },
  rescaleAttributions: { flag: '--rescale-attributions', why: 'CCI scores are always normalised (not rescaled) over source and target here' },
  tokenizerKwargs: { flag: '--tokenizer-kwargs', why: "language tags (tgt_lang) of multilingual models are not handled by attribute-context's token positions yet" },
};

/** `inseq attribute-context`: PECoRe (CTI + CCI), Inseq's flags in kebab-case. */
export function addAttributeContextCommand(program: Command, io: CliIo): void {
  program
    .command('attribute-context')
    .description('PECoRe: find the context-sensitive output tokens (CTI) and the context cues they rely on (CCI).')
    .option('-m, --model-name-or-path <path|id>', 'local model folder or Hub id; default: the shipped tiny-gpt2')
    .option('--input-context-text <text>', 'input context')
    .requiredOption('--input-current-text <text>', 'input current text')
    .option('--output-context-text <text>', 'output context (with an output template containing {context})')
    .option('--output-current-text <text>', 'output current text (generated when omitted)')
    .option('--contextless-input-current-text <template>', 'contextless input; {current} is replaced', '{current}')
    .option('--contextless-output-current-text <template>', 'contextless output; {current} is replaced', '{current}')
    .option('--context-sensitivity-metric <id>', 'contrastive step function of CTI (kl_divergence, contrast_prob_diff, pcxmi, …)', 'kl_divergence')
    .option('--context-sensitivity-std-threshold <k>', 'CTI: keep tokens with |score| ≥ mean + k·std', parseFloatOption, 1)
    .option('--context-sensitivity-topk <n>', 'CTI: keep at most the n highest', parseNonNegativeInteger)
    .option('-a, --attribution-method <id>', 'CCI attribution method', 'saliency')
    .option('--attributed-fn <id>', 'CCI contrastive attributed function', 'contrast_prob_diff')
    .option('--attribution-std-threshold <k>', 'CCI: keep cues with |score| ≥ mean + k·std', parseFloatOption, 1)
    .option('--attribution-topk <n>', 'CCI: keep at most the n highest cues', parseNonNegativeInteger)
    .option('--attribution-kwargs <json>', 'method options as a JSON object', parseJsonObject)
    .option('--input-template <template>', "input template with {context} and {current} (default '{context} {current}' with --input-context-text, else '{current}')")
    .option('--output-template <template>', "output template with {context} and {current} (default '{context} {current}' with --output-context-text, else '{current}'; with {context} and no --output-context-text the context is generated, see --handle-output-context-strategy)")
    .option('--special-tokens-to-keep <tokens...>', 'special tokens kept in the scored tokens')
    .option('--decoder-input-output-separator <text>', 'decoder-only: text between input and output', ' ')
    .addOption(
      new Option(
        '--handle-output-context-strategy <s>',
        'output template with {context} and no --output-context-text: the output is generated and split on the template separator, ' +
          'else on punctuation, else (encoder-decoder) by alignment with the input context; manual: confirm or type the context on the terminal; ' +
          'auto: take the proposed split; pre: refuse (give --output-context-text)',
      )
        .choices(['manual', 'auto', 'pre']).default('manual'),
    )
    .option('--contextless-output-next-tokens <tokens...>', 'CCI: the contextless alternative of each context-sensitive token (one per selected token, in order), instead of the contextless greedy one')
    .option('--prompt-user-for-contextless-output-next-tokens', 'CCI: ask on the terminal for each contextless alternative')
    .option('--show-intermediate-outputs', 'not available: the CTI and CCI passes stay inside attributeContext (use --save-path for the scores); a warning says so')
    .option('--attribution-selectors <indices...>', `not applicable: ${NOT_APPLICABLE.attributionSelectors.why}; refused`)
    .option('--attribution-aggregators <ids...>', `not applicable: ${NOT_APPLICABLE.attributionAggregators.why}; refused`)
    .option('--normalize-attributions', `not applicable: ${NOT_APPLICABLE.normalizeAttributions.why}; refused`)
    .option('--rescale-attributions', `not applicable: ${NOT_APPLICABLE.rescaleAttributions.why}; refused`)
    .option('--tokenizer-kwargs <json>', `not applicable: ${NOT_APPLICABLE.tokenizerKwargs.why}; refused`, parseJsonObject)
    .option('--add-output-info', 'keep info (model, texts) in the saved output (default)', true)
    .option('--no-add-output-info', 'leave info (model, texts) out of the saved output')
    .option('-o, --save-path <file>', "write the result as JSON ('-': standard output)")
    .option('--viz-path <file>', 'write the result as a standalone HTML page')
    .option('--show-viz', 'print the terminal view (default)', true)
    .option('--no-show-viz', 'do not print the terminal view')
    .option('--generation-kwargs <json>', 'generation options as a JSON object: max_new_tokens (default 10) and do_sample (false only)', parseJsonObject)
    .option('--model-kwargs <json>', 'not applicable here (no PyTorch from_pretrained); use --backend/--device', parseJsonObject)
    .addOption(new Option('--backend <id>', 'backend to run on').choices(cliBackends().list()))
    .option('--device <name>', "backend device, e.g. 'wasm' or 'cpu'")
    .option('--no-color', 'print without colours (NO_COLOR and FORCE_COLOR apply)')
    .action(async (flags: AttributeContextFlags) => {
      const modelPath = requireModelPath(flags.modelNameOrPath, defaultModelPath);
      for (const [key, { flag, why }] of Object.entries(NOT_APPLICABLE)) {
        if (flags[key as keyof AttributeContextFlags] !== undefined) {
          throw new InvalidInputError(`${flag} does not apply to attribute-context here: ${why}. Leave it out.`, { code: 'INVALID_ARGUMENT' });
        }
      }
      if (flags.showIntermediateOutputs) {
        writeMessage(io.stderr, 'warning: ', '--show-intermediate-outputs is ignored: the CTI and CCI attributions are not shown separately here; --save-path keeps their scores.');
      }
      if (flags.modelKwargs !== undefined) {
        writeMessage(io.stderr, 'warning: ', '--model-kwargs is ignored: models load through --backend/--device, not from_pretrained.');
      }
      // The same keys as attribute's --generation-kwargs (max_new_tokens, do_sample false), refused otherwise.
      generationOptions(flags.generationKwargs, undefined);
      const registries = createDefaultRegistries();
      registries.methods.get(flags.attributionMethod);
      registries.stepFunctions.get(flags.attributedFn);
      registries.stepFunctions.get(flags.contextSensitivityMetric);
      const targets = await checkCliOutputs([
        ...(flags.savePath === undefined ? [] : [{ flag: '--save-path', path: flags.savePath }]),
        ...(flags.vizPath === undefined ? [] : [{ flag: '--viz-path', path: flags.vizPath }]),
      ]);
      const downloads = createDownloadProgress(io);
      const model = await loadModel(modelPath, { backend: flags.backend, backends: cliBackends(), device: flags.device, hub: { onProgress: (e) => downloads.update(e) } })
        .finally(() => downloads.stop());
      const prompter = terminalPrompter(io);
      try {
        const output = await attributeContext(model, {
          ...flags,
          prompter,
          attributeOptions: {
            methods: registries.methods, stepFunctions: registries.stepFunctions,
            onWarning: (message) => writeMessage(io.stderr, 'warning: ', message),
          },
        });
        if (flags.showViz && !writesStdout(targets)) {
          io.stdout.write(renderContextTerminal(output, useColour(flags.color, { isTTY: io.stdout.isTTY, env: io.env ?? process.env })));
        }
        const outputs: CliOutput[] = [];
        if (flags.savePath !== undefined) {
          outputs.push({ flag: '--save-path', files: [{ path: flags.savePath, data: `${JSON.stringify(output, null, 2)}\n` }], saved: 'Saved PECoRe output to', wrote: 'Wrote PECoRe output to' });
        }
        if (flags.vizPath !== undefined) {
          outputs.push({ flag: '--viz-path', files: [{ path: flags.vizPath, data: renderContextHtml(output) }], saved: 'Wrote PECoRe view to', wrote: 'Wrote PECoRe view to' });
        }
        await commitCliOutputs(io, outputs);
      } finally {
        prompter?.close();
        await model.backend.dispose();
      }
    });
}
