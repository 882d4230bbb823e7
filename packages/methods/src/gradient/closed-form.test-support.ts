import { type AttributeOptions, type AttributionMethod, type AttributionModel, attribute, createRegistry } from '@inseq/core';
import { linearModel } from '@inseq/testing';
import { registerBuiltinMethods } from '../register-builtin-methods';

/** Shared by the closed-form tests: the linear model (logits = W · Σ x), its vocabulary and formulas. */
export const methods = registerBuiltinMethods(createRegistry<AttributionMethod>('attribution method'));
export const model = linearModel();
export const vocab = ['<eos>', 'the', 'cat', 'sat', 'on', 'mat', 'a', 'dog', '<unk>'];
export const hidden = 3;
export const idOf = (word: string) => vocab.indexOf(word);
export const embeddingOf = (word: string) => model.embedding(idOf(word));

/** Sum of the embeddings of `words`, `[hidden]`. */
export const sumOf = (vectors: ArrayLike<number>[]) =>
  Array.from({ length: hidden }, (_, h) => vectors.reduce((acc, v) => acc + v[h], 0));

/** Softmax probabilities of the model at summed embeddings `z`. */
export function probabilities(z: ArrayLike<number>): number[] {
  const logits = vocab.map((_, v) => model.weight(v).reduce((acc, w, h) => acc + w * z[h], 0));
  const max = Math.max(...logits);
  const e = logits.map((l) => Math.exp(l - max));
  const total = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / total);
}

/** d p(target) / d z at summed embeddings `z`: p_t (W_t − Σ_v p_v W_v). */
export function probabilityGradient(z: ArrayLike<number>, target: number): number[] {
  const p = probabilities(z);
  return Array.from({ length: hidden }, (_, h) => p[target] * (model.weight(target)[h] - p.reduce((acc, pv, v) => acc + pv * model.weight(v)[h], 0)));
}

/**
 * Attributions of the single step explaining `next` after `prefix`, as `[position][h]`, with the
 * sequence (for step scores).
 */
export async function stepAttributions(
  method: string,
  prefix: string,
  next: string,
  args: Record<string, unknown> = {},
  options: Partial<AttributeOptions> & { model?: AttributionModel } = {},
) {
  const out = await attribute(options.model ?? model, prefix, {
    method,
    methods,
    generatedTexts: `${prefix} ${next}`,
    attributedFn: 'logit',
    attributionArgs: args,
    ...options,
  });
  const sequence = out.sequence_attributions[0];
  const length = sequence.attr_pos_start;
  const width = sequence.target_attributions!.shape.at(-1)!;
  const rows = Array.from({ length }, (_, position) =>
    Array.from(sequence.target_attributions!.data.subarray(position * width, (position + 1) * width)),
  );
  return { rows, sequence };
}
