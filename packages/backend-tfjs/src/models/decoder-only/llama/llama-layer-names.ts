/**
 * The layers of a Llama-family model a pass can capture or replace, named as in HF
 * `LlamaForCausalLM` and in `named_modules()` order: `model.embed_tokens` (the token lookup, before
 * gemma's √hidden scaling), per layer `model.layers.{i}` (the layer's output), `.self_attn` (after
 * `o_proj`, before the residual add), `.mlp` (likewise), `.input_layernorm`,
 * `.post_attention_layernorm`, then `model.norm`.
 */
export function llamaLayerNames(numLayers: number): string[] {
  const names = ['model.embed_tokens'];
  for (let i = 0; i < numLayers; i++) {
    const p = `model.layers.${i}`;
    names.push(p, `${p}.self_attn`, `${p}.mlp`, `${p}.input_layernorm`, `${p}.post_attention_layernorm`);
  }
  names.push('model.norm');
  return names;
}
