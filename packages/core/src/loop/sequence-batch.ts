import type { AttributionMethod } from '../contracts/attribution-method';
import type { AttributionModel } from '../contracts/model-backend';
import { InseqError } from '../errors/inseq-error';
import { padLeft } from './pad-left';
import { type SequenceState, stepCount, storeStepScore } from './sequence-state';
import { wrapBackend } from './wrap-backend';

/**
 * Lets a method attribute every step of `chunk` at once (`attributeSequence`), e.g. from one
 * forward pass over the whole targets, and stores the results in the sequences' states.
 */
export async function runSequenceBatch(
  model: AttributionModel,
  method: AttributionMethod,
  methodOptions: Readonly<Record<string, unknown>>,
  chunk: readonly SequenceState[],
  padId: number,
): Promise<void> {
  const batch = padLeft(
    chunk.map((state) => state.prepared.targetIds),
    padId,
  );
  const result = await wrapBackend(`attributing with ${method.name}`, () =>
    method.attributeSequence!({
      backend: model.backend,
      inputIds: batch.inputIds,
      attentionMask: batch.attentionMask,
      rows: chunk.map((state, row) => ({ offset: batch.offsets[row], start: state.start, end: state.end })),
      specialTokenIds: model.tokenizer.specialTokenIds,
      options: methodOptions,
    }),
  );
  chunk.forEach((state, row) => {
    const attributions = result.attributions[row];
    const [length, steps] = attributions?.shape ?? [];
    if (length !== state.prepared.targetIds.length || steps !== stepCount(state)) {
      throw new InseqError(
        `Method ${method.name} returned [${attributions?.shape.join(', ')}] for sequence ${row}; expected ` +
          `[${state.prepared.targetIds.length}, ${stepCount(state)}, …].`, { code: 'BACKEND_FAILURE' },
      );
    }
    state.attributions = attributions.data;
    state.trailing = attributions.shape.slice(2);
    for (const [name, values] of Object.entries(result.stepScores?.[row] ?? {})) {
      for (let step = 0; step < values.length; step++) storeStepScore(state, name, step, values[step]);
    }
  });
}
