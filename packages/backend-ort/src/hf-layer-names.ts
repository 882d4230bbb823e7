/**
 * The layers of the built-in decoder-only families, named as in the Hugging Face module tree and
 * listed in `named_modules()` order, as backend-tfjs names them. The first name of each list is
 * the token embedding lookup; every other is a module whose output the ort backend looks up in
 * the graph by torch.onnx's node scopes (see `findLayerValues`).
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
});
