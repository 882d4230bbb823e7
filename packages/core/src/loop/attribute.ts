import { type AttributionMethod, parseMethodOptions } from '../contracts/attribution-method';
import type { AttributionModel } from '../contracts/model-backend';
import { parseStepFunctionOptions, type StepFunction } from '../contracts/step-function';
import type { FeatureAttributionOutput } from '../data/feature-attribution-output';
import { stepAttributionsOf } from '../data/step-attributions';
import { InseqError } from '../errors/inseq-error';
import { InvalidInputError } from '../errors/invalid-input-error';
import { MissingCapabilityError } from '../errors/missing-capability-error';
import { createRegistry } from '../registry';
import { registerBuiltinStepFunctions } from '../step-functions/register-builtin-step-functions';
import type { AttributeOptions } from './attribute-options';
import { bindStepFunction } from './bind-step-function';
import { checkCapabilities } from './check-capabilities';
import { planContrast } from './contrast-plan';
import { parseSharedStepScoresArgs } from './parse-step-scores-args';
import { prepareEncoderDecoderSequences, prepareSequences } from './prepare-sequences';
import { runSequenceBatch } from './sequence-batch';
import { type SequenceState, stepCount, toSequenceAttribution } from './sequence-state';
import { type StepBatchSettings, runStepBatch } from './step-batch';

const DEFAULT_MAX_NEW_TOKENS = 20;
const DEFAULT_BATCH_SIZE = 8;

function resolveMethod(options: AttributeOptions): AttributionMethod {
  const method = options.method ?? 'saliency';
  if (typeof method !== 'string') return method;
  if (!options.methods) {
    throw new InseqError(
      `Method '${method}' was given by id but no methods registry was passed; use the 'inseq' package's attribute, ` +
        'or pass { methods } with registerBuiltinMethods(createRegistry(...)) from @inseq/methods.', { code: 'INVALID_ARGUMENT' },
    );
  }
  return options.methods.get(method);
}

function checkPosition(name: string, value: number | undefined): void {
  if (value !== undefined && (!Number.isInteger(value) || value < 0)) {
    throw new InvalidInputError(`${name} must be a non-negative integer, got ${value}.`, { code: 'INVALID_ARGUMENT' });
  }
}

function checkStepFunctionCapabilities(fns: readonly StepFunction[], model: AttributionModel): void {
  for (const fn of fns) {
    const missing = (fn.requires ?? []).filter((capability) => model.backend.capabilities[capability] !== true);
    if (missing.length > 0) {
      throw new MissingCapabilityError(
        `Step function ${fn.name} needs ${missing.join(', ')}, which backend '${model.backend.name}' does not offer.`,
      );
    }
  }
}

/**
 * Attributes the continuation of each input text, one generation step at a time (Inseq's
 * `model.attribute`). Decoder-only semantics: the target holds prompt + continuation and
 * `target_attributions` is `[len(target), nSteps, …]` with NaN on positions not yet generated.
 * Encoder-decoder semantics (`config.isEncoderDecoder`): `source` is the encoder's tokens (with
 * `</s>`), `target` is the decoder start token + the generation, `source_attributions` is
 * `[len(source), nSteps, …]`, and `target_attributions` is kept only with `attributeTarget`.
 * Batches are left padded (encoder sources right padded); each row's numbers equal those of
 * running it alone.
 */
export async function attribute(
  model: AttributionModel,
  inputTexts: string | readonly string[],
  options: AttributeOptions = {},
): Promise<FeatureAttributionOutput> {
  const startedAt = performance.now();
  const { backend, tokenizer } = model;
  const encoderDecoder = backend.config.isEncoderDecoder;
  const warn = options.onWarning ?? ((message: string) => console.warn(`inseq-ts: ${message}`));
  if (options.attributeTarget === true && !encoderDecoder) {
    warn(
      `attributeTarget has no effect on the decoder-only model '${model.name}': its prompt is part of the target and is ` +
        'always attributed (target_attributions); the option only matters for encoder-decoder models.',
    );
  }
  const method = resolveMethod(options);
  const stepFunctions = options.stepFunctions ?? registerBuiltinStepFunctions(createRegistry<StepFunction>('step function'));
  const attributedFn = stepFunctions.get(options.attributedFn ?? 'probability');
  if (method.requires.includes('gradients') && !attributedFn.differentiable) {
    const differentiable = stepFunctions.values().filter((fn) => fn.differentiable);
    throw new InvalidInputError(
      `Step function '${attributedFn.name}' is not differentiable, so ${method.name} cannot attribute it. Differentiable ones: ` +
        `${differentiable.map((fn) => fn.name).join(', ')}.`, { code: 'INVALID_ARGUMENT' },
    );
  }
  const scoreFns = (options.stepScores ?? []).map((name) => stepFunctions.get(name));
  checkCapabilities(method, backend, options.methods);
  checkStepFunctionCapabilities([attributedFn, ...scoreFns], model);
  const methodOptions = parseMethodOptions(method, options.attributionArgs ?? {});
  const attributedFnArgs = parseStepFunctionOptions(attributedFn, options.attributedFnArgs ?? {});
  const stepScoresArgs = parseSharedStepScoresArgs(scoreFns, options.stepScoresArgs ?? {});
  checkPosition('attrPosStart', options.attrPosStart);
  checkPosition('attrPosEnd', options.attrPosEnd);
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new InvalidInputError(`batchSize must be a positive integer, got ${batchSize}.`, { code: 'INVALID_ARGUMENT' });
  }

  const special = tokenizer.specialTokenIds;
  const generation = model.generationConfig;
  const padId = generation?.padTokenId ?? special.pad ?? special.eos ?? backend.config.padTokenId ?? backend.config.eosTokenId ?? 0;
  const givenNewTokens = options.maxNewTokens ?? generation?.maxNewTokens;
  // generation_config.json's max_length counts the prompt (decoder start for encoder-decoders); max_new_tokens wins, as in transformers.
  const maxLength = givenNewTokens === undefined ? generation?.maxLength : undefined;
  const maxNewTokens = givenNewTokens ?? DEFAULT_MAX_NEW_TOKENS;
  if (!encoderDecoder && (options.generateFromTargetPrefix || options.srcLang !== undefined || options.tgtLang !== undefined)) {
    const given = ['generateFromTargetPrefix', 'srcLang', 'tgtLang'].filter((key) => options[key as keyof AttributeOptions] !== undefined);
    throw new InvalidInputError(
      `${given.join(', ')} apply to encoder-decoder models only; '${model.name}' is decoder-only (its generated text starts with the input).`, { code: 'INVALID_ARGUMENT' },
    );
  }
  const prepared = encoderDecoder
    ? await prepareEncoderDecoderSequences(model, inputTexts, {
        generatedTexts: options.generatedTexts,
        maxNewTokens,
        maxLength,
        padId,
        generateFromTargetPrefix: options.generateFromTargetPrefix,
        srcLang: options.srcLang,
        tgtLang: options.tgtLang,
      })
    : await prepareSequences(model, inputTexts, { generatedTexts: options.generatedTexts, maxNewTokens, maxLength, padId, chatTemplate: options.chatTemplate });
  if (options.contrastSources !== undefined && options.contrastTargets === undefined) {
    throw new InvalidInputError('contrastSources needs contrastTargets: the alternative target scored on the alternative source.', { code: 'INVALID_ARGUMENT' });
  }
  const contrast = planContrast(model, prepared, options);

  const states: SequenceState[] = prepared.map((sequence, i) => {
    // Decoder-only targets hold the prompt; encoder-decoder targets start with the decoder start token.
    const start = options.attrPosStart ?? (encoderDecoder ? 1 : sequence.sourceIds.length);
    const end = options.attrPosEnd ?? sequence.targetIds.length;
    if (start < 1 || start > end || end > sequence.targetIds.length) {
      throw new InvalidInputError(
        `Attribution positions [${start}, ${end}) do not fit sequence ${i} with ${sequence.targetIds.length} target tokens; ` +
          `need 1 <= attrPosStart <= attrPosEnd <= ${sequence.targetIds.length}.`, { code: 'INVALID_ARGUMENT' },
      );
    }
    return { prepared: sequence, start, end, contrast: contrast?.[i], stepScores: new Map() };
  });

  // Whole-sequence methods (one pass serves every step) only when no contrast changes the steps.
  // (Encoder-decoder steps carry the source, which whole-sequence passes do not take yet.)
  const wholeSequence = method.attributeSequence && !contrast && !encoderDecoder ? method : undefined;
  const settings: StepBatchSettings = {
    model,
    method: wholeSequence ? undefined : method,
    methodOptions,
    attributedFn: bindStepFunction(attributedFn, attributedFnArgs),
    scoreFns: scoreFns.map((fn, i) => bindStepFunction(fn, stepScoresArgs[i]).stepFunction),
    forceContrastInputs: options.contrastForceInputs ?? false,
    padId,
    encoderDecoder,
    attributeTarget: options.attributeTarget ?? false,
    // Inseq's encode(): the eos is config.json's eos_token_id (its first), else the tokenizer's pad.
    baselineRule: { eosTokenId: backend.config.eosTokenId ?? special.pad, includeEos: options.includeEosBaseline ?? false },
  };
  const totalSteps = states.reduce((sum, state) => sum + stepCount(state), 0);
  const maxSteps = Math.max(...states.map(stepCount));
  let done = 0;
  for (let first = 0; first < states.length; first += batchSize) {
    const chunk = states.slice(first, first + batchSize);
    if (wholeSequence) {
      await runSequenceBatch(model, wholeSequence, methodOptions, chunk, padId);
      if (scoreFns.length === 0) {
        done += chunk.reduce((sum, state) => sum + stepCount(state), 0);
        options.onProgress?.({ done, total: totalSteps });
        continue;
      }
    }
    for (let step = 0; step < maxSteps; step++) {
      const active = chunk.filter((state) => state.start + step < state.end);
      if (active.length === 0) break;
      await runStepBatch(settings, active, step);
      done += active.length;
      options.onProgress?.({ done, total: totalSteps });
    }
  }

  const sequenceAttributions = states.map((state) => toSequenceAttribution(model, state));
  return {
    sequence_attributions: sequenceAttributions,
    step_attributions: options.outputStepAttributions ? stepAttributionsOf(sequenceAttributions) : null,
    info: {
      library: 'inseq-ts',
      model_name: model.name,
      model_type: backend.config.modelType,
      backend: backend.name,
      attribution_method: method.name,
      attributed_fn: attributedFn.name,
      attributed_fn_args: options.attributedFnArgs ?? {},
      attribution_args: methodOptions,
      step_scores: scoreFns.map((fn) => fn.name),
      step_scores_args: options.stepScoresArgs ?? {},
      generation_args:
        options.generatedTexts !== undefined ? {}
        : maxLength !== undefined ? { max_length: maxLength, do_sample: false }
        : { max_new_tokens: maxNewTokens, do_sample: false },
      constrained_decoding: options.generatedTexts !== undefined,
      input_texts: prepared.map((sequence) => sequence.inputText),
      generated_texts: prepared.map((sequence) => sequence.generatedText),
      contrast_targets: options.contrastTargets === undefined ? null : options.contrastTargets,
      contrast_force_inputs: options.contrastForceInputs ?? false,
      contrast_sources: options.contrastSources === undefined ? null : options.contrastSources,
      attr_pos_start: options.attrPosStart ?? null,
      attr_pos_end: options.attrPosEnd ?? null,
      attribute_target: options.attributeTarget ?? false,
      chat_template: options.chatTemplate ?? false,
      include_eos_baseline: options.includeEosBaseline ?? false,
      output_step_attributions: options.outputStepAttributions ?? false,
      batch_size: batchSize,
      exec_time: (performance.now() - startedAt) / 1000,
    },
  };
}
