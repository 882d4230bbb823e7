import { type AttributionMethod, type BaselineRule, usesEmbeddings } from '../contracts/attribution-method';
import type { ContrastRows } from '../contracts/differentiable-target';
import type { AttributionModel, EncoderInput, ModelBackend } from '../contracts/model-backend';
import type { IntTensor, Tensor } from '../tensor';
import type { StepFunction } from '../contracts/step-function';
import { InseqError } from '../errors/inseq-error';
import { InvalidInputError } from '../errors/invalid-input-error';
import type { BoundStepFunction } from './bind-step-function';
import { type PaddedBatch, padLeft } from './pad-left';
import { padRight } from './pad-right';
import { type SequenceState, storeStepAttributions, storeStepScore, storeStepSourceAttributions } from './sequence-state';
import { wrapBackend } from './wrap-backend';

/** What one step batch needs besides its sequences. */
export interface StepBatchSettings {
  readonly model: AttributionModel;
  /** Absent when the method already attributed whole sequences: only step scores remain. */
  readonly method?: AttributionMethod;
  readonly methodOptions: Readonly<Record<string, unknown>>;
  readonly attributedFn: BoundStepFunction;
  /** The step scores, each with its own options bound. */
  readonly scoreFns: readonly StepFunction[];
  readonly forceContrastInputs: boolean;
  readonly padId: number;
  /** Encoder-decoder model: steps carry the source, methods attribute it too. */
  readonly encoderDecoder: boolean;
  /** Encoder-decoder: also keep the attributions to the target prefix (Inseq `attribute_target`). */
  readonly attributeTarget: boolean;
  /** Which positions keep their token in a method's baseline (Inseq `include_eos_baseline`). */
  readonly baselineRule: BaselineRule;
}

/**
 * The contrastive alternative of each row at this step: the aligned token, and — when it is
 * scored after its own prefix — the logits of that prefix.
 */
async function contrastRows(
  settings: StepBatchSettings,
  chunk: readonly SequenceState[],
  step: number,
  encoder: EncoderInput | undefined,
): Promise<ContrastRows | undefined> {
  if (!chunk[0].contrast) return undefined;
  const aligned = chunk.map((state) => state.contrast!.alignment[state.start + step]);
  const ids = Int32Array.from(chunk, (state, row) => state.contrast!.ids[aligned[row]]);
  // A contrastive source is only seen by scoring the alternative on its own inputs.
  const contrastSources = chunk[0].contrast.sourceIds !== undefined;
  if (!settings.forceContrastInputs && !contrastSources) return { ids };
  const prefixes = chunk.map((state, row) => {
    if (aligned[row] < 1) {
      throw new InvalidInputError(
        `contrastForceInputs (and contrastSources) need a contrastive prefix, but target position ${state.start + step} aligns to position 0.`, { code: 'INVALID_ARGUMENT' },
      );
    }
    return state.contrast!.ids.slice(0, aligned[row]);
  });
  const contrastEncoder = contrastSources
    ? padRight(
        chunk.map((state) => state.contrast!.sourceIds!),
        settings.padId,
      )
    : encoder;
  const { logits } = await wrapBackend(`scoring the contrastive inputs at step ${step}`, () =>
    settings.model.backend.forward({ ...padLeft(prefixes, settings.padId), ...(contrastEncoder && { encoder: contrastEncoder }) }),
  );
  return { ids, contextLogits: logits };
}

async function stepScores(
  settings: StepBatchSettings,
  batch: PaddedBatch,
  targetIds: Int32Array,
  contrast: ContrastRows | undefined,
  step: number,
  encoder: EncoderInput | undefined,
): Promise<Map<string, Float32Array>> {
  const scores = new Map<string, Float32Array>();
  if (settings.scoreFns.length === 0) return scores;
  const { backend } = settings.model;
  const { logits } = await wrapBackend(`computing step scores at step ${step}`, () =>
    backend.forward({ inputIds: batch.inputIds, attentionMask: batch.attentionMask, ...(encoder && { encoder }) }),
  );
  for (const fn of settings.scoreFns) {
    const values = await wrapBackend(`computing step score ${fn.name} at step ${step}`, async () =>
      fn.compute({
        logits,
        targetIds,
        contrast,
        options: {},
        model: { backend, inputIds: batch.inputIds, attentionMask: batch.attentionMask, ...(encoder && { encoder }) },
      }),
    );
    scores.set(fn.name, values);
  }
  return scores;
}

/**
 * A step's `inputsEmbeds` for `side`: looked up when the method uses them, else a property that
 * throws when read, so that a method declaring `embeddings: 'never'` but reading them fails
 * loudly instead of running on made-up embeddings.
 */
async function withEmbeddings<T extends { readonly inputIds: IntTensor }>(
  target: T,
  method: AttributionMethod,
  backend: ModelBackend,
  side: 'encoder' | 'decoder',
): Promise<T & { readonly inputsEmbeds: Tensor }> {
  if (usesEmbeddings(method, backend)) return { ...target, inputsEmbeds: await backend.embed(target.inputIds, side) };
  // Defined on the new object itself: spreading it later would read (and throw) as intended.
  return Object.defineProperty({ ...target }, 'inputsEmbeds', {
    enumerable: true,
    get(): never {
      throw new InseqError(
        `Method ${method.name} read inputsEmbeds, but declares embeddings: '${method.embeddings}' on backend '${backend.name}', ` +
          "so the loop did not look them up; declare embeddings: 'always' (the default) for methods that read them.", { code: 'INVALID_ARGUMENT' },
      );
    },
  }) as T & { readonly inputsEmbeds: Tensor };
}

/** Attributes (unless done already) and scores step `step` of every sequence in `chunk`. */
export async function runStepBatch(settings: StepBatchSettings, chunk: readonly SequenceState[], step: number): Promise<void> {
  const { model, method } = settings;
  const { backend } = model;
  const batch = padLeft(
    chunk.map((state) => state.prepared.targetIds.slice(0, state.start + step)),
    settings.padId,
  );
  const targetIds = Int32Array.from(chunk, (state) => state.prepared.targetIds[state.start + step]);
  // Encoder-decoder: the rows' sources, right-padded, go with every pass of the step.
  const encoder = settings.encoderDecoder
    ? padRight(
        chunk.map((state) => state.prepared.sourceIds),
        settings.padId,
      )
    : undefined;
  const contrast = await contrastRows(settings, chunk, step, encoder);
  const scores = await stepScores(settings, batch, targetIds, contrast, step, encoder);
  if (method) {
    const result = await wrapBackend(`attributing step ${step} with ${method.name}`, async () =>
      method.attributeStep(
        await withEmbeddings(
          {
            backend,
            inputIds: batch.inputIds,
            attentionMask: batch.attentionMask,
            ...(encoder && { encoder: await withEmbeddings(encoder, method, backend, 'encoder') }),
            targetIds,
            attributedFn: settings.attributedFn.stepFunction,
            target: settings.attributedFn.target,
            contrast,
            specialTokenIds: model.tokenizer.specialTokenIds,
            baselineRule: settings.baselineRule,
            options: settings.methodOptions,
          },
          method,
          backend,
          'decoder',
        ),
      ),
    );
    for (const [name, values] of Object.entries(result.stepScores ?? {})) scores.set(name, values);
    const { attributions, sourceAttributions } = result;
    // A method that attributes one side of an encoder-decoder step only (a layer inside the
    // decoder, value zeroing's decoder self-attention) returns the other side NaN-filled, which is
    // stored as is: leaving it out is taken for a method that does not know about sources.
    if (encoder && attributions && !sourceAttributions) {
      throw new InseqError(
        `Method ${method.name} returned no source attributions for the encoder-decoder model '${model.name}'; it attributes decoder-only models only ` +
          '(a method that attributes the target side only returns NaN-filled sourceAttributions).', { code: 'UNSUPPORTED_MODEL' },
      );
    }
    if (encoder && sourceAttributions) {
      const [rows, width] = sourceAttributions.shape;
      if (rows !== chunk.length || width !== encoder.inputIds.shape[1]) {
        throw new InseqError(
          `Method ${method.name} returned source attributions of shape [${sourceAttributions.shape.join(', ')}]; expected [${chunk.length}, ${width}, …].`, { code: 'BACKEND_FAILURE' },
        );
      }
      const rowSize = sourceAttributions.data.length / rows;
      chunk.forEach((state, row) => {
        storeStepSourceAttributions(state, step, sourceAttributions.data.subarray(row * rowSize, (row + 1) * rowSize), sourceAttributions.shape.slice(2));
      });
    }
    // Encoder-decoder targets are kept only with attribute_target, as Inseq.
    if (attributions && (!encoder || settings.attributeTarget)) {
      const [rows, width] = attributions.shape;
      if (rows !== chunk.length || width !== batch.inputIds.shape[1]) {
        throw new InseqError(
          `Method ${method.name} returned attributions of shape [${attributions.shape.join(', ')}]; expected [${chunk.length}, ${width}, …].`, { code: 'BACKEND_FAILURE' },
        );
      }
      const rowSize = attributions.data.length / rows;
      chunk.forEach((state, row) => {
        const rowData = attributions.data.subarray(row * rowSize, (row + 1) * rowSize);
        storeStepAttributions(state, step, rowData, batch.offsets[row], attributions.shape.slice(2));
      });
    }
  }
  chunk.forEach((state, row) => {
    for (const [name, values] of scores) storeStepScore(state, name, step, values[row]);
  });
}
