import type { AttributionMethod } from '../contracts/attribution-method';
import type { DifferentiableTarget } from '../contracts/differentiable-target';
import type { AttributionModel } from '../contracts/model-backend';
import type { StepFunction } from '../contracts/step-function';
import type { FeatureAttributionOutput, SequenceAttribution } from '../data/feature-attribution-output';
import { BackendError } from '../errors/backend-error';
import { InseqError } from '../errors/inseq-error';
import { InvalidInputError } from '../errors/invalid-input-error';
import { createRegistry } from '../registry';
import { registerBuiltinStepFunctions } from '../step-functions/register-builtin-step-functions';
import { shapeSize, type Tensor } from '../tensor';
import type { AttributeOptions } from './attribute-options';
import { checkCapabilities } from './check-capabilities';
import { padLeft } from './pad-left';
import { type PreparedSequence, prepareSequences } from './prepare-sequences';

const DEFAULT_MAX_NEW_TOKENS = 20;
const DEFAULT_BATCH_SIZE = 8;

function resolveMethod(options: AttributeOptions): AttributionMethod {
  const method = options.method ?? 'saliency';
  if (typeof method !== 'string') return method;
  if (!options.methods) {
    throw new InseqError(
      'INVALID_ARGUMENT',
      `Method '${method}' was given by id but no methods registry was passed; use the 'inseq' package's attribute, ` +
        'or pass { methods } with registerBuiltinMethods(createRegistry(...)) from @inseq/methods.',
    );
  }
  return options.methods.get(method);
}

function checkPosition(name: string, value: number | undefined): void {
  if (value !== undefined && (!Number.isInteger(value) || value < 0)) {
    throw new InvalidInputError(`${name} must be a non-negative integer, got ${value}.`, 'INVALID_ARGUMENT');
  }
}

/** Per-sequence state while steps are attributed. */
interface SequenceState {
  readonly prepared: PreparedSequence;
  readonly start: number;
  readonly end: number;
  attributions?: Float32Array;
  trailing?: number[];
  readonly stepScores: Map<string, Float32Array>;
}

function nanFilled(size: number): Float32Array {
  return new Float32Array(size).fill(Number.NaN);
}

/**
 * Attributes the continuation of each input text, one generation step at a time (Inseq's
 * `model.attribute`). Decoder-only semantics: the target holds prompt + continuation and
 * `target_attributions` is `[len(target), nSteps, …]` with NaN on positions not yet generated.
 * Batches are left padded; each row's numbers equal those of running it alone.
 */
export async function attribute(
  model: AttributionModel,
  inputTexts: string | readonly string[],
  options: AttributeOptions = {},
): Promise<FeatureAttributionOutput> {
  const startedAt = performance.now();
  const { backend, tokenizer } = model;
  if (backend.config.isEncoderDecoder) {
    throw new InseqError('UNSUPPORTED_MODEL', `Encoder-decoder models are not supported yet (model '${model.name}').`);
  }
  const method = resolveMethod(options);
  const stepFunctions = options.stepFunctions ?? registerBuiltinStepFunctions(createRegistry<StepFunction>('step function'));
  const attributedFn = stepFunctions.get(options.attributedFn ?? 'probability');
  const needsTarget = method.requires.includes('gradients');
  if (needsTarget && !attributedFn.differentiable) {
    throw new InvalidInputError(
      `Step function '${attributedFn.name}' is not differentiable, so ${method.name} cannot attribute it. Differentiable ones: ` +
        `${stepFunctions
          .values()
          .filter((fn) => fn.differentiable)
          .map((fn) => fn.name)
          .join(', ')}.`,
      'INVALID_ARGUMENT',
    );
  }
  const scoreFns = (options.stepScores ?? []).map((name) => stepFunctions.get(name));
  checkCapabilities(method, backend, options.methods);
  const methodOptions = method.parseOptions
    ? method.parseOptions(options.attributionArgs ?? {})
    : { ...(options.attributionArgs ?? {}) };
  checkPosition('attrPosStart', options.attrPosStart);
  checkPosition('attrPosEnd', options.attrPosEnd);
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new InvalidInputError(`batchSize must be a positive integer, got ${batchSize}.`, 'INVALID_ARGUMENT');
  }

  const special = tokenizer.specialTokenIds;
  const padId = special.pad ?? special.eos ?? backend.config.padTokenId ?? backend.config.eosTokenId ?? 0;
  const maxNewTokens = options.maxNewTokens ?? model.generationConfig?.maxNewTokens ?? DEFAULT_MAX_NEW_TOKENS;
  const prepared = await prepareSequences(model, inputTexts, {
    generatedTexts: options.generatedTexts,
    maxNewTokens,
    padId,
  });

  const states: SequenceState[] = prepared.map((sequence, i) => {
    const start = options.attrPosStart ?? sequence.sourceIds.length;
    const end = options.attrPosEnd ?? sequence.targetIds.length;
    if (start < 1 || start > end || end > sequence.targetIds.length) {
      throw new InvalidInputError(
        `Attribution positions [${start}, ${end}) do not fit sequence ${i} with ${sequence.targetIds.length} target tokens; ` +
          `need 1 <= attrPosStart <= attrPosEnd <= ${sequence.targetIds.length}.`,
        'INVALID_ARGUMENT',
      );
    }
    return { prepared: sequence, start, end, stepScores: new Map() };
  });

  const totalSteps = states.reduce((sum, state) => sum + state.end - state.start, 0);
  const maxSteps = Math.max(...states.map((state) => state.end - state.start));
  let done = 0;
  for (let step = 0; step < maxSteps; step++) {
    const active = states.filter((state) => state.start + step < state.end);
    for (let first = 0; first < active.length; first += batchSize) {
      const chunk = active.slice(first, first + batchSize);
      await attributeStepBatch(model, method, methodOptions, attributedFn, scoreFns, options, chunk, step, padId);
      done += chunk.length;
      options.onProgress?.({ done, total: totalSteps });
    }
  }

  const sequenceAttributions = states.map((state) => toSequenceAttribution(model, state));
  return {
    sequence_attributions: sequenceAttributions,
    step_attributions: null,
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
      generation_args: options.generatedTexts === undefined ? { max_new_tokens: maxNewTokens, do_sample: false } : {},
      constrained_decoding: options.generatedTexts !== undefined,
      input_texts: prepared.map((sequence) => sequence.inputText),
      generated_texts: prepared.map((sequence) => sequence.generatedText),
      attr_pos_start: options.attrPosStart ?? null,
      attr_pos_end: options.attrPosEnd ?? null,
      batch_size: batchSize,
      exec_time: (performance.now() - startedAt) / 1000,
    },
  };
}

async function attributeStepBatch(
  model: AttributionModel,
  method: AttributionMethod,
  methodOptions: Record<string, unknown>,
  attributedFn: StepFunction,
  scoreFns: readonly StepFunction[],
  options: AttributeOptions,
  chunk: SequenceState[],
  step: number,
  padId: number,
): Promise<void> {
  const { backend } = model;
  const prefixes = chunk.map((state) => state.prepared.targetIds.slice(0, state.start + step));
  const targetIds = Int32Array.from(chunk.map((state) => state.prepared.targetIds[state.start + step]));
  const batch = padLeft(prefixes, padId);
  const boundFn = bindStepFunction(attributedFn, options.attributedFnArgs ?? {});
  const stepResult = await wrapBackend(`attributing step ${step} with ${method.name}`, async () => {
    const inputsEmbeds = await backend.embed(batch.inputIds);
    return method.attributeStep({
      backend,
      inputIds: batch.inputIds,
      attentionMask: batch.attentionMask,
      inputsEmbeds,
      targetIds,
      attributedFn: boundFn.stepFunction,
      target: boundFn.target,
      specialTokenIds: model.tokenizer.specialTokenIds,
      options: methodOptions,
    });
  });
  const scores = new Map<string, Float32Array>(Object.entries(stepResult.stepScores ?? {}));
  if (scoreFns.length > 0) {
    const { logits } = await wrapBackend(`computing step scores at step ${step}`, () => backend.forward(batch));
    for (const fn of scoreFns) {
      scores.set(
        fn.name,
        await fn.compute({
          logits,
          targetIds,
          options: options.stepScoresArgs ?? {},
          model: { backend, inputIds: batch.inputIds, attentionMask: batch.attentionMask },
        }),
      );
    }
  }
  const { attributions } = stepResult;
  const [rows, width] = attributions.shape;
  if (rows !== chunk.length || width !== batch.inputIds.shape[1]) {
    throw new InseqError(
      'BACKEND_FAILURE',
      `Method ${method.name} returned attributions of shape [${attributions.shape.join(', ')}]; expected [${chunk.length}, ${batch.inputIds.shape[1]}, …].`,
    );
  }
  const trailing = attributions.shape.slice(2);
  const cell = shapeSize(trailing);
  chunk.forEach((state, row) => {
    const nSteps = state.end - state.start;
    const targetLength = state.prepared.targetIds.length;
    if (!state.attributions) {
      state.trailing = trailing;
      state.attributions = nanFilled(targetLength * nSteps * cell);
    }
    const offset = batch.offsets[row];
    const prefixLength = state.start + step;
    for (let position = 0; position < prefixLength; position++) {
      const source = attributions.data.subarray(
        (row * width + offset + position) * cell,
        (row * width + offset + position + 1) * cell,
      );
      state.attributions.set(source, (position * nSteps + step) * cell);
    }
    for (const [name, values] of scores) {
      let stored = state.stepScores.get(name);
      if (!stored) {
        stored = nanFilled(nSteps);
        state.stepScores.set(name, stored);
      }
      stored[step] = values[row];
    }
  });
}

/** Keeps inseq errors as they are and wraps anything else a backend throws, with `cause`. */
async function wrapBackend<T>(doing: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (InseqError.isInstance(error)) throw error;
    throw new BackendError(`The backend failed while ${doing}: ${(error as Error)?.message ?? String(error)}`, error);
  }
}

function toSequenceAttribution(model: AttributionModel, state: SequenceState): SequenceAttribution {
  const tokens = (ids: readonly number[]) => ids.map((id) => ({ token: model.tokenizer.idToToken(id), id }));
  const nSteps = state.end - state.start;
  const targetAttributions: Tensor | null = state.attributions
    ? { data: state.attributions, shape: [state.prepared.targetIds.length, nSteps, ...(state.trailing ?? [])] }
    : null;
  return {
    source: tokens(state.prepared.sourceIds),
    target: tokens(state.prepared.targetIds),
    source_attributions: null,
    target_attributions: targetAttributions,
    step_scores: Object.fromEntries([...state.stepScores].map(([name, values]) => [name, { data: values, shape: [nSteps] }])),
    sequence_scores: {},
    attr_pos_start: state.start,
    attr_pos_end: state.end,
  };
}

/** The attributed function with `attributed_fn_args` bound, in both its plain and differentiable forms. */
function bindStepFunction(
  fn: StepFunction,
  args: Readonly<Record<string, unknown>>,
): { stepFunction: StepFunction; target?: DifferentiableTarget } {
  const differentiable = fn.differentiable;
  const target: DifferentiableTarget | undefined = differentiable && {
    name: differentiable.name,
    build: (ops, logits, targetIds, context) => differentiable.build(ops, logits, targetIds, { ...context, options: args }),
  };
  return {
    stepFunction: { ...fn, compute: (ctx) => fn.compute({ ...ctx, options: { ...args, ...ctx.options } }), differentiable: target },
    target,
  };
}
