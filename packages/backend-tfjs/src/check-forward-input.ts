import { type EncoderInput, type IntTensor, InvalidInputError, type ModelConfig, type Tensor, shapeSize } from '@inseq/core';

/**
 * Checks token ids against the model: a `[batch, seq]` tensor, non-empty, every id in the
 * vocabulary. Throws {@link InvalidInputError} saying which row and column is wrong.
 *
 * @returns `[batch, seq]`.
 */
export function checkInputIds(inputIds: IntTensor, config: ModelConfig): [number, number] {
  const shape = inputIds.shape;
  if (shape.length !== 2 || shape[0] < 1 || shape[1] < 1 || inputIds.data.length !== shapeSize(shape)) {
    throw new InvalidInputError(
      `inputIds must be a non-empty [batch, sequenceLength] tensor; got shape [${shape.join(', ')}] with ${inputIds.data.length} values.`,
    );
  }
  const [batch, seq] = shape;
  checkIds(inputIds.data, config.vocabSize, (i) => `inputIds[${Math.floor(i / seq)}][${i % seq}]`);
  return [batch, seq];
}

/**
 * Checks a forward batch: ids (see {@link checkInputIds}), an attention mask of 0/1 of the same
 * shape whose last column is 1 in every row (the batch is left-padded), no more tokens than the
 * model's positions (`INPUT_TOO_LONG`), and `inputsEmbeds`, when given, of shape
 * `[batch, seq, hidden]`.
 *
 * @returns `[batch, seq]`.
 */
export function checkForwardInput(
  input: { readonly inputIds: IntTensor; readonly attentionMask: IntTensor; readonly inputsEmbeds?: Tensor },
  config: ModelConfig,
): [number, number] {
  const [batch, seq] = checkInputIds(input.inputIds, config);
  if (seq > config.maxPositions) {
    throw new InvalidInputError(
      `The input has ${seq} tokens but ${config.modelType} accepts at most ${config.maxPositions} (n_positions). ` +
        `Shorten the text or the number of generated tokens.`, { code: 'INPUT_TOO_LONG' },
    );
  }
  const mask = input.attentionMask;
  if (mask.shape.length !== 2 || mask.shape[0] !== batch || mask.shape[1] !== seq || mask.data.length !== batch * seq) {
    throw new InvalidInputError(`attentionMask has shape [${mask.shape.join(', ')}]; it must match inputIds, [${batch}, ${seq}].`);
  }
  for (let i = 0; i < mask.data.length; i++) {
    if (mask.data[i] !== 0 && mask.data[i] !== 1) {
      throw new InvalidInputError(
        `attentionMask[${Math.floor(i / seq)}][${i % seq}] is ${mask.data[i]}; use 1 for tokens and 0 for padding.`,
      );
    }
  }
  for (let b = 0; b < batch; b++) {
    if (mask.data[b * seq + seq - 1] !== 1) {
      throw new InvalidInputError(
        `Row ${b} of attentionMask ends in padding; the tfjs backend reads next-token logits at the last column, so pad on the left.`,
      );
    }
  }
  const embeds = input.inputsEmbeds;
  if (embeds !== undefined) {
    const expected = [batch, seq, config.hiddenSize];
    if (embeds.shape.length !== 3 || embeds.shape.some((dim, i) => dim !== expected[i]) || embeds.data.length !== shapeSize(expected)) {
      throw new InvalidInputError(
        `inputsEmbeds has shape [${embeds.shape.join(', ')}] (${embeds.data.length} values); it must be [${expected.join(', ')}] ` +
          `([batch, sequenceLength, hidden]), e.g. from backend.embed(inputIds).`,
      );
    }
  }
  return [batch, seq];
}

/**
 * Checks the source of an encoder-decoder input against the model and the decoder batch: present
 * exactly for encoder-decoder models, ids in the vocabulary, a 0/1 mask of the same shape with at
 * least one token per row, no more tokens than the encoder's positions, embeddings (when given)
 * `[batch, sourceLength, hidden]`.
 *
 * @returns the source length, or 0 for a decoder-only input.
 */
export function checkEncoderInput(input: { readonly encoder?: EncoderInput }, config: ModelConfig, batch: number): number {
  const encoder = input.encoder;
  if (!config.isEncoderDecoder) {
    if (encoder !== undefined) {
      throw new InvalidInputError(`encoder was given, but ${config.modelType} is a decoder-only model; pass the prompt as inputIds.`, { code: 'INVALID_ARGUMENT' });
    }
    return 0;
  }
  if (encoder === undefined) {
    throw new InvalidInputError(
      `${config.modelType} is an encoder-decoder model: give the source as encoder { inputIds, attentionMask } (right-padded) and the decoder prefix as inputIds.`, { code: 'INVALID_ARGUMENT' },
    );
  }
  const shape = encoder.inputIds.shape;
  if (shape.length !== 2 || shape[0] !== batch || shape[1] < 1 || encoder.inputIds.data.length !== shapeSize(shape)) {
    throw new InvalidInputError(`encoder.inputIds has shape [${shape.join(', ')}]; it must be [${batch}, sourceLength] (one source per decoder row).`);
  }
  const source = shape[1];
  if (source > config.maxPositions) {
    throw new InvalidInputError(
      `The source has ${source} tokens but ${config.modelType} accepts at most ${config.maxPositions} (max_position_embeddings). Shorten the input.`, { code: 'INPUT_TOO_LONG' },
    );
  }
  checkIds(encoder.inputIds.data, config.vocabSize, (i) => `encoder.inputIds[${Math.floor(i / source)}][${i % source}]`);
  const mask = encoder.attentionMask;
  if (mask.shape.length !== 2 || mask.shape[0] !== batch || mask.shape[1] !== source || mask.data.length !== batch * source) {
    throw new InvalidInputError(`encoder.attentionMask has shape [${mask.shape.join(', ')}]; it must match encoder.inputIds, [${batch}, ${source}].`);
  }
  for (let b = 0; b < batch; b++) {
    let tokens = 0;
    for (let s = 0; s < source; s++) {
      const m = mask.data[b * source + s];
      if (m !== 0 && m !== 1) throw new InvalidInputError(`encoder.attentionMask[${b}][${s}] is ${m}; use 1 for tokens and 0 for padding.`);
      tokens += m;
    }
    if (tokens === 0) throw new InvalidInputError(`Row ${b} of encoder.attentionMask has no token; every source needs at least one.`);
  }
  const embeds = encoder.inputsEmbeds;
  const expected = [batch, source, config.hiddenSize];
  if (embeds !== undefined && (embeds.shape.length !== 3 || embeds.shape.some((dim, i) => dim !== expected[i]) || embeds.data.length !== shapeSize(expected))) {
    throw new InvalidInputError(
      `encoder.inputsEmbeds has shape [${embeds.shape.join(', ')}]; it must be [${expected.join(', ')}], e.g. from backend.embed(encoder.inputIds, 'encoder').`,
    );
  }
  return source;
}

/** Throws unless every id is an integer in `[0, vocabSize)`; `where(i)` names position i. */
export function checkIds(ids: Int32Array, vocabSize: number, where: (index: number) => string): void {
  for (let i = 0; i < ids.length; i++) {
    if (!(ids[i] >= 0 && ids[i] < vocabSize)) {
      throw new InvalidInputError(`${where(i)} is ${ids[i]}, outside the vocabulary [0, ${vocabSize}).`);
    }
  }
}
