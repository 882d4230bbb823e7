/**
 * The layers of a T5 model a pass can capture or replace, named as in HF
 * `T5ForConditionalGeneration` and in `named_modules()` order. Per stack (`encoder`, `decoder`):
 * `.embed_tokens` (the token lookup, `shared` — named per stack since the tap sees one stack), per
 * block `.block.{i}` (the block's output), `.layer.{j}` (each sublayer's output, residual added),
 * `.layer.0.SelfAttention` / decoder `.layer.1.EncDecAttention` (after `o`, before the residual
 * add), `.layer.{j}.DenseReluDense` (the feed-forward output), `.layer.{j}.layer_norm` (the norm
 * feeding sublayer j); then `.final_layer_norm`. Every one is `[batch, length, dModel]` of its stack.
 */
export function t5LayerNames(encoderLayers: number, decoderLayers: number): string[] {
  const names: string[] = [];
  for (const [stack, blocks] of [
    ['encoder', encoderLayers],
    ['decoder', decoderLayers],
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
}
