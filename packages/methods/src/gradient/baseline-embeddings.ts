import { InvalidInputError, type StepContext, type Tensor } from '@inseq/core';

/** Baselines the gradient methods accept by name. */
export const BASELINES = ['unk', 'zeros', 'pad'] as const;
export type BaselineName = (typeof BASELINES)[number];

/**
 * Baseline embeddings `[batch, sequenceLength, hidden]` for a step. As in Inseq, `unk` is the
 * embedding of the tokenizer's UNK token at every real position; `pad` uses the PAD token
 * (falling back to EOS, as GPT-2 has none); `zeros` is the zero vector. Padding positions keep
 * the input embedding, so they get exactly zero attribution.
 */
export async function baselineEmbeddings(ctx: StepContext, baseline: BaselineName): Promise<Tensor> {
  const { inputsEmbeds, attentionMask } = ctx;
  const [batch, length, hidden] = inputsEmbeds.shape;
  const data = new Float32Array(inputsEmbeds.data.length);
  if (baseline !== 'zeros') {
    const special = ctx.specialTokenIds;
    const id = baseline === 'unk' ? special.unk : (special.pad ?? special.eos);
    if (id === undefined) {
      throw new InvalidInputError(
        `Baseline '${baseline}' needs the tokenizer's ${baseline === 'unk' ? 'unk_token' : 'pad_token (or eos_token)'}, ` +
          `which this model's tokenizer_config.json does not define. Use baselines: 'zeros'.`,
        'INVALID_ARGUMENT',
      );
    }
    const embedded = await ctx.backend.embed({ data: new Int32Array(batch * length).fill(id), shape: [batch, length] });
    data.set(embedded.data);
  }
  for (let position = 0; position < batch * length; position++) {
    if (attentionMask.data[position] === 0) {
      data.set(inputsEmbeds.data.subarray(position * hidden, (position + 1) * hidden), position * hidden);
    }
  }
  return { data, shape: [batch, length, hidden] };
}
