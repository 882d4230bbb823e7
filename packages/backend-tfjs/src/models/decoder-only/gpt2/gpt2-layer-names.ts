/**
 * The GPT-2 layers a pass can capture or replace, named as in HF `GPT2LMHeadModel` and listed in
 * PyTorch's `named_modules()` order: `transformer.wte` (the token embedding lookup), then per block
 * `transformer.h.{i}` (the block's output), `.ln_1`, `.attn` (after `c_proj` and its dropout, before
 * the residual add), `.ln_2`, `.mlp` (likewise), and `transformer.ln_f`.
 */
export function gpt2LayerNames(numLayers: number): string[] {
  const names = ['transformer.wte'];
  for (let i = 0; i < numLayers; i++) {
    const block = `transformer.h.${i}`;
    names.push(block, `${block}.ln_1`, `${block}.attn`, `${block}.ln_2`, `${block}.mlp`);
  }
  names.push('transformer.ln_f');
  return names;
}
