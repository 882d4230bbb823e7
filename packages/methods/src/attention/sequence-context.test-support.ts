import { type AttributionMethod, type AttributionModel, padLeft, type SequenceContext, attribute, createRegistry } from '@inseq/core';
import { registerBuiltinMethods } from '../register-builtin-methods';

export const methods = registerBuiltinMethods(createRegistry<AttributionMethod>('attribution method'));

/**
 * What the loop would hand `attributeSequence` for force-decoded `texts` after `prompts`: whole
 * targets left padded, each row explaining its continuation.
 */
export function sequenceContext(
  model: AttributionModel,
  prompts: readonly string[],
  texts: readonly string[],
  options: Readonly<Record<string, unknown>> = {},
): SequenceContext {
  const targets = texts.map((text) => model.tokenizer.encode(text));
  const batch = padLeft(targets, 0);
  return {
    backend: model.backend,
    inputIds: batch.inputIds,
    attentionMask: batch.attentionMask,
    rows: targets.map((ids, r) => ({ offset: batch.offsets[r], start: model.tokenizer.encode(prompts[r]).length, end: ids.length })),
    specialTokenIds: model.tokenizer.specialTokenIds,
    options,
  };
}

/**
 * `target_attributions` of each text through `attribute` with the logit target: step by step
 * (`attributeStep` only, as with contrastive inputs) or, by default, as the loop runs the method
 * (`attributeSequence` when it has one).
 */
export async function stepwise(
  model: AttributionModel,
  method: string,
  prompts: readonly string[],
  texts: readonly string[],
  attributionArgs: Readonly<Record<string, unknown>> = {},
  mode: 'steps' | 'loop' = 'steps',
): Promise<{ data: number[]; shape: readonly number[] }[]> {
  const chosen = mode === 'steps' ? { ...methods.get(method), attributeSequence: undefined } : method;
  const out = await attribute(model, [...prompts], {
    method: chosen,
    methods,
    generatedTexts: [...texts],
    attributionArgs,
    attributedFn: 'logit',
  });
  return out.sequence_attributions.map((sequence) => ({
    data: Array.from(sequence.target_attributions!.data),
    shape: sequence.target_attributions!.shape,
  }));
}

/** Element-wise closeness that treats NaN as equal to NaN. */
export function expectSameLayout(actual: ArrayLike<number>, expected: ArrayLike<number>, digits = 6): void {
  if (actual.length !== expected.length) throw new Error(`length ${actual.length} ≠ ${expected.length}`);
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i];
    const e = expected[i];
    if (Number.isNaN(a) !== Number.isNaN(e) || (!Number.isNaN(a) && Math.abs(a - e) > 10 ** -digits)) {
      throw new Error(`element ${i}: ${a} ≠ ${e}`);
    }
  }
}
