import { type IntTensor, InvalidInputError, type StepContext, type Tensor } from '@inseq/core';
import { joinSides, jointLayout } from './joint-inputs';

/** Baselines the gradient methods accept by name. */
export const BASELINES = ['unk', 'zeros', 'pad'] as const;
export type BaselineName = (typeof BASELINES)[number];

/** The baseline token id of `baseline` (`undefined` for `zeros`), or the InvalidInputError naming the missing token. */
function baselineId(ctx: StepContext, baseline: BaselineName): number | undefined {
  if (baseline === 'zeros') return undefined;
  const special = ctx.specialTokenIds;
  const id = baseline === 'unk' ? special.unk : (special.pad ?? special.eos);
  if (id === undefined) {
    throw new InvalidInputError(
      `Baseline '${baseline}' needs the tokenizer's ${baseline === 'unk' ? 'unk_token' : 'pad_token (or eos_token)'}, ` +
        `which this model's tokenizer_config.json does not define. Use baselines: 'zeros'.`, { code: 'INVALID_ARGUMENT' },
    );
  }
  return id;
}

/** One side's baseline: the token's embedding (from that side's table) on real positions, the input on padding. */
async function sideBaseline(
  ctx: StepContext,
  id: number | undefined,
  inputsEmbeds: Tensor,
  attentionMask: IntTensor,
  side: 'encoder' | 'decoder',
): Promise<Tensor> {
  const [batch, length, hidden] = inputsEmbeds.shape;
  const data = new Float32Array(inputsEmbeds.data.length);
  if (id !== undefined) {
    const ids = { data: new Int32Array(batch * length).fill(id), shape: [batch, length] };
    // Decoder-only backends are called exactly as before (no side argument).
    const embedded = side === 'encoder' ? await ctx.backend.embed(ids, 'encoder') : await ctx.backend.embed(ids);
    data.set(embedded.data);
  }
  for (let position = 0; position < batch * length; position++) {
    if (attentionMask.data[position] === 0) {
      data.set(inputsEmbeds.data.subarray(position * hidden, (position + 1) * hidden), position * hidden);
    }
  }
  return { data, shape: [batch, length, hidden] };
}

/**
 * Baseline embeddings `[batch, sequenceLength, hidden]` for a step's decoder inputs. As in Inseq,
 * `unk` is the embedding of the tokenizer's UNK token at every real position; `pad` uses the PAD
 * token (falling back to EOS, as GPT-2 has none); `zeros` is the zero vector. Padding positions
 * keep the input embedding, so they get exactly zero attribution.
 */
export async function baselineEmbeddings(ctx: StepContext, baseline: BaselineName): Promise<Tensor> {
  return sideBaseline(ctx, baselineId(ctx, baseline), ctx.inputsEmbeds, ctx.attentionMask, 'decoder');
}

/**
 * Baselines of both sides, joined as {@link jointInputs}: `[batch, positions, hidden]`. For an
 * encoder-decoder step the source gets the same baseline token through the encoder's embedding
 * table, as Inseq builds its source and target baselines; decoder-only, this is
 * {@link baselineEmbeddings}.
 */
export async function jointBaselineEmbeddings(ctx: StepContext, baseline: BaselineName): Promise<Tensor> {
  const id = baselineId(ctx, baseline);
  const target = await sideBaseline(ctx, id, ctx.inputsEmbeds, ctx.attentionMask, 'decoder');
  if (!ctx.encoder) return target;
  const source = await sideBaseline(ctx, id, ctx.encoder.inputsEmbeds, ctx.encoder.attentionMask, 'encoder');
  const layout = jointLayout(ctx);
  return { data: joinSides(layout, target.data, source.data, layout.hidden), shape: [layout.batch, layout.positions, layout.hidden] };
}
