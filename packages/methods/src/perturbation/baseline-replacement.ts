import { InvalidInputError, type StepContext, type Tensor } from '@inseq/core';
import { type BaselineName, jointBaselineEmbeddings, jointBaselineKeepMask } from '../gradient/baseline-embeddings';

/**
 * How a perturbation method puts its baseline into a token's place. On a backend that runs on
 * given embeddings, the baseline embedding replaces the token's (`embeds`). On an ids-only
 * backend (ONNX Runtime), a token baseline is applied to the ids instead (`ids`): giving token i
 * the UNK embedding is exactly giving it the UNK id, so the numbers are the same.
 */
export type BaselineReplacement =
  /** `baseline`: joint rows `[batch, positions, hidden]` (decoder then, with a source, encoder; see `jointLayout`). */
  | { readonly kind: 'embeds'; readonly baseline: Tensor }
  /** `keep`: joint positions `[batch · positions]` that keep their own id (see `jointBaselineKeepMask`). */
  | { readonly kind: 'ids'; readonly id: number; readonly keep: Uint8Array };

/**
 * Picks the replacement for `baseline` on the step's backend; throws InvalidInputError, before
 * any forward pass, when the backend takes ids only and the baseline (`zeros`) is no token.
 */
export async function baselineReplacement(ctx: StepContext, method: string, baseline: BaselineName): Promise<BaselineReplacement> {
  if (ctx.backend.capabilities.embeddingInputs === true) return { kind: 'embeds', baseline: await jointBaselineEmbeddings(ctx, baseline) };
  if (baseline === 'zeros') {
    throw new InvalidInputError(
      `${method} with a 'zeros' baseline needs a backend that accepts embeddings (embeddingInputs, e.g. backend-tfjs); ` +
        `backend '${ctx.backend.name}' runs on token ids only. Use 'unk' or 'pad', which work on ids, or backend-tfjs.`, { code: 'INVALID_ARGUMENT' },
    );
  }
  const special = ctx.specialTokenIds;
  const id = baseline === 'unk' ? special.unk : (special.pad ?? special.eos);
  if (id === undefined) {
    throw new InvalidInputError(
      `Baseline '${baseline}' needs the tokenizer's ${baseline === 'unk' ? 'unk_token' : 'pad_token (or eos_token)'}, ` +
        `which this model's tokenizer_config.json does not define; backend '${ctx.backend.name}' runs on ids only, ` +
        `so use the other token baseline or backend-tfjs with baselines: 'zeros'.`, { code: 'INVALID_ARGUMENT' },
    );
  }
  return { kind: 'ids', id, keep: jointBaselineKeepMask(ctx) };
}
