import { type IntTensor, InvalidInputError, type ModelConfig, shapeSize } from '@inseq/core';

/** Throws unless `inputIds` is a non-empty `[batch, seq]` tensor of ids in `[0, vocabSize)`; returns `[batch, seq]`. */
export function checkOrtIds(inputIds: IntTensor, config: ModelConfig): [number, number] {
  const shape = inputIds.shape;
  if (shape.length !== 2 || shape[0] < 1 || shape[1] < 1 || inputIds.data.length !== shapeSize(shape)) {
    throw new InvalidInputError(
      `inputIds must be a non-empty [batch, sequenceLength] tensor; got shape [${shape.join(', ')}] with ${inputIds.data.length} values.`,
    );
  }
  const seq = shape[1];
  for (let i = 0; i < inputIds.data.length; i++) {
    const id = inputIds.data[i];
    if (!(id >= 0 && id < config.vocabSize)) {
      throw new InvalidInputError(`inputIds[${Math.floor(i / seq)}][${i % seq}] is ${id}, outside the vocabulary [0, ${config.vocabSize}).`);
    }
  }
  return [shape[0], seq];
}

/**
 * Checks a forward batch before it reaches ONNX Runtime (whose own errors name graph nodes, not
 * inputs): ids in the vocabulary, no more tokens than the model's positions (`INPUT_TOO_LONG`),
 * a 0/1 mask of the same shape ending in 1 on every row (left padding).
 *
 * @returns `[batch, seq]`.
 */
export function checkOrtForwardInput(
  input: { readonly inputIds: IntTensor; readonly attentionMask: IntTensor },
  config: ModelConfig,
): [number, number] {
  const [batch, seq] = checkOrtIds(input.inputIds, config);
  if (seq > config.maxPositions) {
    throw new InvalidInputError(
      `The input has ${seq} tokens but ${config.modelType} accepts at most ${config.maxPositions} (n_positions). ` +
        'Shorten the text or the number of generated tokens.', { code: 'INPUT_TOO_LONG' },
    );
  }
  const mask = input.attentionMask;
  if (mask.shape.length !== 2 || mask.shape[0] !== batch || mask.shape[1] !== seq || mask.data.length !== batch * seq) {
    throw new InvalidInputError(`attentionMask has shape [${mask.shape.join(', ')}]; it must match inputIds, [${batch}, ${seq}].`);
  }
  for (let i = 0; i < mask.data.length; i++) {
    if (mask.data[i] !== 0 && mask.data[i] !== 1) {
      throw new InvalidInputError(`attentionMask[${Math.floor(i / seq)}][${i % seq}] is ${mask.data[i]}; use 1 for tokens and 0 for padding.`);
    }
  }
  for (let b = 0; b < batch; b++) {
    if (mask.data[b * seq + seq - 1] !== 1) {
      throw new InvalidInputError(
        `Row ${b} of attentionMask ends in padding; the ort backend reads next-token logits at the last column, so pad on the left.`,
      );
    }
  }
  return [batch, seq];
}
