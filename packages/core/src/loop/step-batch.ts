import type { AttributionMethod } from '../contracts/attribution-method';
import type { ContrastRows } from '../contracts/differentiable-target';
import type { AttributionModel } from '../contracts/model-backend';
import type { StepFunction } from '../contracts/step-function';
import { InseqError } from '../errors/inseq-error';
import { InvalidInputError } from '../errors/invalid-input-error';
import type { BoundStepFunction } from './bind-step-function';
import { type PaddedBatch, padLeft } from './pad-left';
import { type SequenceState, storeStepAttributions, storeStepScore } from './sequence-state';
import { wrapBackend } from './wrap-backend';

/** What one step batch needs besides its sequences. */
export interface StepBatchSettings {
  readonly model: AttributionModel;
  /** Absent when the method already attributed whole sequences: only step scores remain. */
  readonly method?: AttributionMethod;
  readonly methodOptions: Readonly<Record<string, unknown>>;
  readonly attributedFn: BoundStepFunction;
  readonly scoreFns: readonly StepFunction[];
  readonly stepScoresArgs: Readonly<Record<string, unknown>>;
  readonly forceContrastInputs: boolean;
  readonly padId: number;
}

/**
 * The contrastive alternative of each row at this step: the aligned token, and — when it is
 * scored after its own prefix — the logits of that prefix.
 */
async function contrastRows(settings: StepBatchSettings, chunk: readonly SequenceState[], step: number): Promise<ContrastRows | undefined> {
  if (!chunk[0].contrast) return undefined;
  const aligned = chunk.map((state) => state.contrast!.alignment[state.start + step]);
  const ids = Int32Array.from(chunk, (state, row) => state.contrast!.ids[aligned[row]]);
  if (!settings.forceContrastInputs) return { ids };
  const prefixes = chunk.map((state, row) => {
    if (aligned[row] < 1) {
      throw new InvalidInputError(
        `contrastForceInputs needs a contrastive prefix, but target position ${state.start + step} aligns to position 0.`,
        'INVALID_ARGUMENT',
      );
    }
    return state.contrast!.ids.slice(0, aligned[row]);
  });
  const { logits } = await wrapBackend(`scoring the contrastive inputs at step ${step}`, () =>
    settings.model.backend.forward(padLeft(prefixes, settings.padId)),
  );
  return { ids, contextLogits: logits };
}

async function stepScores(
  settings: StepBatchSettings,
  batch: PaddedBatch,
  targetIds: Int32Array,
  contrast: ContrastRows | undefined,
  step: number,
): Promise<Map<string, Float32Array>> {
  const scores = new Map<string, Float32Array>();
  if (settings.scoreFns.length === 0) return scores;
  const { backend } = settings.model;
  const { logits } = await wrapBackend(`computing step scores at step ${step}`, () => backend.forward(batch));
  for (const fn of settings.scoreFns) {
    const values = await wrapBackend(`computing step score ${fn.name} at step ${step}`, async () =>
      fn.compute({
        logits,
        targetIds,
        contrast,
        options: settings.stepScoresArgs,
        model: { backend, inputIds: batch.inputIds, attentionMask: batch.attentionMask },
      }),
    );
    scores.set(fn.name, values);
  }
  return scores;
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
  const contrast = await contrastRows(settings, chunk, step);
  const scores = await stepScores(settings, batch, targetIds, contrast, step);
  if (method) {
    const result = await wrapBackend(`attributing step ${step} with ${method.name}`, async () =>
      method.attributeStep({
        backend,
        inputIds: batch.inputIds,
        attentionMask: batch.attentionMask,
        inputsEmbeds: await backend.embed(batch.inputIds),
        targetIds,
        attributedFn: settings.attributedFn.stepFunction,
        target: settings.attributedFn.target,
        contrast,
        specialTokenIds: model.tokenizer.specialTokenIds,
        options: settings.methodOptions,
      }),
    );
    for (const [name, values] of Object.entries(result.stepScores ?? {})) scores.set(name, values);
    const { attributions } = result;
    if (attributions) {
      const [rows, width] = attributions.shape;
      if (rows !== chunk.length || width !== batch.inputIds.shape[1]) {
        throw new InseqError(
          'BACKEND_FAILURE',
          `Method ${method.name} returned attributions of shape [${attributions.shape.join(', ')}]; expected [${chunk.length}, ${width}, …].`,
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
