/** A positive integer of config.json, or `fallback` (HF's default). */
function layerCount(raw: Readonly<Record<string, unknown>>, key: string, fallback: number): number {
  const value = raw[key];
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0 ? value : fallback;
}

/**
 * The layers of the built-in families, named as in the Hugging Face module tree and listed in
 * `named_modules()` order, as backend-tfjs names them. The first name of each decoder-only list is
 * the token embedding lookup, as is each stack's `embed_tokens` of an encoder-decoder list; every
 * other is a module whose output the ort backend looks up in the graph by torch.onnx's node
 * scopes (see `findLayerValues`). Each takes the number of (decoder) layers and config.json.
 */
export const hfLayerNames = Object.freeze({
  /**
   * HF `GPT2LMHeadModel`: `transformer.wte`, per block `transformer.h.{i}` (the block's output),
   * `.ln_1`, `.attn` (after `c_proj`, before the residual add), `.ln_2`, `.mlp` (likewise), then
   * `transformer.ln_f`.
   */
  gpt2(numLayers: number): string[] {
    const names = ['transformer.wte'];
    for (let i = 0; i < numLayers; i++) {
      const block = `transformer.h.${i}`;
      names.push(block, `${block}.ln_1`, `${block}.attn`, `${block}.ln_2`, `${block}.mlp`);
    }
    names.push('transformer.ln_f');
    return names;
  },
  /**
   * HF `LlamaForCausalLM` (and mistral, qwen2, gemma): `model.embed_tokens` (before gemma's
   * √hidden scaling), per layer `model.layers.{i}` (the layer's output), `.self_attn` (after
   * `o_proj`, before the residual add), `.mlp` (likewise), `.input_layernorm`,
   * `.post_attention_layernorm`, then `model.norm`.
   */
  llama(numLayers: number): string[] {
    const names = ['model.embed_tokens'];
    for (let i = 0; i < numLayers; i++) {
      const layer = `model.layers.${i}`;
      names.push(layer, `${layer}.self_attn`, `${layer}.mlp`, `${layer}.input_layernorm`, `${layer}.post_attention_layernorm`);
    }
    names.push('model.norm');
    return names;
  },
  /**
   * HF `MarianMTModel`, `BartForConditionalGeneration`, `MBartForConditionalGeneration` (backend-tfjs's
   * `bartLayerNames`): per stack (`model.encoder`, `model.decoder`) `.embed_tokens` (the attributed
   * tensor: the lookup × `embed_scale`, what `embed` returns), per layer `.layers.{i}` (its output), `.self_attn` (after `out_proj`,
   * before the residual add), `.self_attn_layer_norm`, decoder `.encoder_attn` and
   * `.encoder_attn_layer_norm`, `.fc2`, `.final_layer_norm`; then BART's and mBART's
   * `.layernorm_embedding` and mBART's `.layer_norm`. Layer counts from `encoder_layers` /
   * `decoder_layers` (HF's default 12).
   */
  bart(_numLayers: number, raw: Readonly<Record<string, unknown>>): string[] {
    const modelType = raw.model_type;
    const names: string[] = [];
    for (const stack of ['encoder', 'decoder'] as const) {
      const prefix = `model.${stack}`;
      names.push(`${prefix}.embed_tokens`);
      for (let i = 0; i < layerCount(raw, `${stack}_layers`, 12); i++) {
        const p = `${prefix}.layers.${i}`;
        names.push(p, `${p}.self_attn`, `${p}.self_attn_layer_norm`);
        if (stack === 'decoder') names.push(`${p}.encoder_attn`, `${p}.encoder_attn_layer_norm`);
        names.push(`${p}.fc2`, `${p}.final_layer_norm`);
      }
      if (modelType !== 'marian') names.push(`${prefix}.layernorm_embedding`);
      if (modelType === 'mbart') names.push(`${prefix}.layer_norm`);
    }
    return names;
  },
  /**
   * HF `T5ForConditionalGeneration` (backend-tfjs's `t5LayerNames`): per stack (`encoder`,
   * `decoder`) `.embed_tokens` (`shared`), per block `.block.{i}` (its output), `.layer.{j}` (each
   * sublayer's output, residual added), `.layer.0.SelfAttention` / decoder `.layer.1.EncDecAttention`
   * (after `o`, before the residual add), `.layer.{j}.DenseReluDense`, `.layer.{j}.layer_norm`;
   * then `.final_layer_norm`. Block counts from `num_layers` (HF's default 6) and
   * `num_decoder_layers` (default `num_layers`).
   */
  t5(_numLayers: number, raw: Readonly<Record<string, unknown>>): string[] {
    const encoderLayers = layerCount(raw, 'num_layers', 6);
    const names: string[] = [];
    for (const [stack, blocks] of [
      ['encoder', encoderLayers],
      ['decoder', layerCount(raw, 'num_decoder_layers', encoderLayers)],
    ] as const) {
      names.push(`${stack}.embed_tokens`);
      const sublayers = stack === 'encoder' ? ['SelfAttention', 'DenseReluDense'] : ['SelfAttention', 'EncDecAttention', 'DenseReluDense'];
      for (let i = 0; i < blocks; i++) {
        const p = `${stack}.block.${i}`;
        names.push(p);
        sublayers.forEach((module, j) => {
          names.push(`${p}.layer.${j}`, `${p}.layer.${j}.${module}`, `${p}.layer.${j}.layer_norm`);
        });
      }
      names.push(`${stack}.final_layer_norm`);
    }
    return names;
  },
});
