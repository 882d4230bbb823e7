import { InseqError, type IntTensor, type ModelBackend, type Tensor } from '@inseq/core';

/**
 * One forward pass with `outputAttentions`: per layer, `[batch, heads, sequenceLength,
 * sequenceLength]` weights (rows are queries), checked against the model's layer count.
 */
export async function forwardAttentions(
  backend: ModelBackend,
  inputIds: IntTensor,
  attentionMask: IntTensor,
  method: string,
): Promise<Tensor[]> {
  const { attentions } = await backend.forward({ inputIds, attentionMask, outputAttentions: true });
  const [batch, length] = inputIds.shape;
  const layers = backend.config.numLayers;
  const ok =
    attentions?.length === layers &&
    attentions.every((a) => a.shape.length === 4 && a.shape[0] === batch && a.shape[2] === length && a.shape[3] === length);
  if (!attentions || !ok) {
    throw new InseqError(
      `${method} needs ${layers} attention tensors [${batch}, heads, ${length}, ${length}] from backend '${backend.name}', got ` +
        `${attentions ? attentions.map((a) => `[${a.shape.join(', ')}]`).join(', ') || 'none' : 'none'}.`, { code: 'BACKEND_FAILURE' },
    );
  }
  return attentions;
}
