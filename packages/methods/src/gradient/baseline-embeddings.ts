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

/**
 * Which positions of one side keep their own token in the baseline, `[batch · length]` (1 = keep),
 * as Inseq's `encode(..., return_baseline=True, include_eos_baseline)` builds baseline ids:
 * padding (whose input is kept, so it gets exactly zero attribution); positions holding the
 * model's eos unless `include_eos_baseline`; and, on the decoder side of an encoder-decoder step,
 * the decoder start token (the first real position), which Inseq prepends to both the target ids
 * and the baseline ids. Any other token, a tokenizer's bos included, gets the baseline token.
 */
export function baselineKeepMask(ctx: StepContext, side: 'encoder' | 'decoder'): Uint8Array {
  const { inputIds, attentionMask } = side === 'encoder' && ctx.encoder ? ctx.encoder : ctx;
  const [batch, length] = inputIds.shape;
  const rule = ctx.baselineRule ?? { eosTokenId: ctx.specialTokenIds.eos, includeEos: false };
  const eos = rule.includeEos ? undefined : rule.eosTokenId;
  const decoderStart = side === 'decoder' && ctx.encoder !== undefined;
  const keep = new Uint8Array(batch * length);
  for (let b = 0; b < batch; b++) {
    let first = true;
    for (let i = 0; i < length; i++) {
      const at = b * length + i;
      if (attentionMask.data[at] === 0) {
        keep[at] = 1;
        continue;
      }
      if ((decoderStart && first) || (eos !== undefined && inputIds.data[at] === eos)) keep[at] = 1;
      first = false;
    }
  }
  return keep;
}

/** {@link baselineKeepMask} of both sides, joined as {@link jointIds}: `[batch · positions]`. */
export function jointBaselineKeepMask(ctx: StepContext): Uint8Array {
  const layout = jointLayout(ctx);
  const target = baselineKeepMask(ctx, 'decoder');
  if (!ctx.encoder) return target;
  const joined = joinSides(layout, Int32Array.from(target), Int32Array.from(baselineKeepMask(ctx, 'encoder')), 1);
  return Uint8Array.from(joined);
}

/** One side's baseline: the token's embedding (from that side's table), the input where {@link baselineKeepMask} keeps it. */
async function sideBaseline(ctx: StepContext, id: number | undefined, inputsEmbeds: Tensor, side: 'encoder' | 'decoder'): Promise<Tensor> {
  const [batch, length, hidden] = inputsEmbeds.shape;
  const data = new Float32Array(inputsEmbeds.data.length);
  if (id !== undefined) {
    const ids: IntTensor = { data: new Int32Array(batch * length).fill(id), shape: [batch, length] };
    // Decoder-only backends are called exactly as before (no side argument).
    const embedded = side === 'encoder' ? await ctx.backend.embed(ids, 'encoder') : await ctx.backend.embed(ids);
    data.set(embedded.data);
  }
  const keep = baselineKeepMask(ctx, side);
  for (let position = 0; position < batch * length; position++) {
    if (keep[position] === 1) data.set(inputsEmbeds.data.subarray(position * hidden, (position + 1) * hidden), position * hidden);
  }
  return { data, shape: [batch, length, hidden] };
}

/**
 * Baseline embeddings `[batch, sequenceLength, hidden]` for a step's decoder inputs. As in Inseq,
 * `unk` is the embedding of the tokenizer's UNK token; `pad` uses the PAD token (falling back to
 * EOS, as GPT-2 has none); `zeros` is the zero vector. The positions {@link baselineKeepMask}
 * keeps (padding, the eos unless `include_eos_baseline`, an encoder-decoder's decoder start) keep
 * the input embedding, so they get exactly zero attribution.
 */
export async function baselineEmbeddings(ctx: StepContext, baseline: BaselineName): Promise<Tensor> {
  return sideBaseline(ctx, baselineId(ctx, baseline), ctx.inputsEmbeds, 'decoder');
}

/**
 * Baselines of both sides, joined as {@link jointInputs}: `[batch, positions, hidden]`. For an
 * encoder-decoder step the source gets the same baseline token through the encoder's embedding
 * table and keeps the same positions, as Inseq builds its source and target baselines; decoder-only, this is
 * {@link baselineEmbeddings}.
 */
export async function jointBaselineEmbeddings(ctx: StepContext, baseline: BaselineName): Promise<Tensor> {
  const id = baselineId(ctx, baseline);
  const target = await sideBaseline(ctx, id, ctx.inputsEmbeds, 'decoder');
  if (!ctx.encoder) return target;
  const source = await sideBaseline(ctx, id, ctx.encoder.inputsEmbeds, 'encoder');
  const layout = jointLayout(ctx);
  return { data: joinSides(layout, target.data, source.data, layout.hidden), shape: [layout.batch, layout.positions, layout.hidden] };
}
