import type { BartSettings } from './bart-settings';

/**
 * The layers of a BART-family model a pass can capture or replace, named as in HF
 * `BartForConditionalGeneration` / `MarianMTModel` and in `named_modules()` order. Per stack
 * (`model.encoder`, `model.decoder`): `.embed_tokens` (the attributed tensor: token rows × `embed_scale`, what `embed` returns), per
 * layer `.layers.{i}` (the layer's output), `.self_attn` (after `out_proj`, before the residual
 * add), `.self_attn_layer_norm`, decoder `.encoder_attn` and `.encoder_attn_layer_norm`, `.fc2`
 * (the feed-forward output), `.final_layer_norm`; then BART's and mBART's `.layernorm_embedding`
 * and mBART's `.layer_norm`. Every one is `[batch, length, dModel]` of its stack.
 */
export function bartLayerNames(settings: Pick<BartSettings, 'encoder' | 'decoder' | 'layernormEmbedding' | 'preNorm'>): string[] {
  const names: string[] = [];
  for (const stack of ['encoder', 'decoder'] as const) {
    const prefix = `model.${stack}`;
    names.push(`${prefix}.embed_tokens`);
    for (let i = 0; i < settings[stack].layers; i++) {
      const p = `${prefix}.layers.${i}`;
      names.push(p, `${p}.self_attn`, `${p}.self_attn_layer_norm`);
      if (stack === 'decoder') names.push(`${p}.encoder_attn`, `${p}.encoder_attn_layer_norm`);
      names.push(`${p}.fc2`, `${p}.final_layer_norm`);
    }
    if (settings.layernormEmbedding) names.push(`${prefix}.layernorm_embedding`);
    if (settings.preNorm) names.push(`${prefix}.layer_norm`);
  }
  return names;
}
