import { InvalidInputError } from '../errors/invalid-input-error';
import { type IntTensor, type Tensor, shapeSize } from '../tensor';
import type { EncoderInput } from './model-backend';
import type { ModelConfig } from './model-config';

/** Options of {@link checkForwardInput}. */
export interface CheckForwardInputOptions {
  /** The backend's name, for messages ("the tfjs backend reads next-token logits…"). @defaultValue 'model' */
  readonly backend?: string;
  /** The entry point being checked, for messages ("forward of the encoder-decoder model…"). @defaultValue 'forward' */
  readonly call?: string;
}

/** Throws {@link InvalidInputError} unless every id is an integer in `[0, vocabSize)`; `where(i)` names position i. */
export function checkIds(ids: Int32Array, vocabSize: number, where: (index: number) => string): void {
  for (let i = 0; i < ids.length; i++) {
    if (!(ids[i] >= 0 && ids[i] < vocabSize)) {
      throw new InvalidInputError(`${where(i)} is ${ids[i]}, outside the vocabulary [0, ${vocabSize}).`);
    }
  }
}

/**
 * Checks token ids against the model: a non-empty `[batch, seq]` tensor whose every id is in the
 * vocabulary. Throws {@link InvalidInputError} (`'INVALID_INPUT'`) saying which row and column is wrong.
 *
 * @param name - how the tensor is called in messages. @defaultValue 'inputIds'
 * @returns `[batch, seq]`.
 */
export function checkInputIds(inputIds: IntTensor, config: ModelConfig, name = 'inputIds'): [number, number] {
  const shape = inputIds.shape;
  if (shape.length !== 2 || shape[0] < 1 || shape[1] < 1 || inputIds.data.length !== shapeSize(shape)) {
    throw new InvalidInputError(
      `${name} must be a non-empty [batch, sequenceLength] tensor; got shape [${shape.join(', ')}] with ${inputIds.data.length} values.`,
    );
  }
  const [batch, seq] = shape;
  checkIds(inputIds.data, config.vocabSize, (i) => `${name}[${Math.floor(i / seq)}][${i % seq}]`);
  return [batch, seq];
}

/**
 * Checks the source of an encoder-decoder call against the model and the decoder batch: present
 * exactly for encoder-decoder models (`'INVALID_ARGUMENT'` otherwise), `batch` rows of ids in the
 * vocabulary, no more tokens than the model's positions (`'INPUT_TOO_LONG'`), a 0/1 mask of the same
 * shape with at least one token per row (right padding), embeddings (when given)
 * `[batch, sourceLength, hidden]`.
 *
 * @param call - the entry point, for messages (`'forward'`, `'gradients'`, `'generate'`). @defaultValue 'forward'
 * @returns the source length, or 0 for a decoder-only model.
 */
export function checkEncoderInput(encoder: EncoderInput | undefined, config: ModelConfig, batch: number, call = 'forward'): number {
  if (!config.isEncoderDecoder) {
    if (encoder !== undefined) {
      throw new InvalidInputError(`encoder was given, but ${config.modelType} is a decoder-only model; pass the prompt as inputIds.`, { code: 'INVALID_ARGUMENT' });
    }
    return 0;
  }
  if (encoder === undefined) {
    throw new InvalidInputError(
      `${call} of the encoder-decoder model '${config.modelType}' needs \`encoder\`: give the source as encoder { inputIds, attentionMask } ` +
        '(right-padded) and the decoder prefix as inputIds; the decoder side alone has nothing to attend to.',
      { code: 'INVALID_ARGUMENT' },
    );
  }
  const [rows, source] = checkInputIds(encoder.inputIds, config, 'encoder.inputIds');
  if (rows !== batch) {
    throw new InvalidInputError(`encoder.inputIds has ${rows} rows but the decoder side has ${batch}; give one source per decoder row.`);
  }
  if (source > config.maxPositions) {
    throw new InvalidInputError(
      `The source has ${source} tokens but ${config.modelType} accepts at most ${config.maxPositions} (max_position_embeddings). Shorten the input.`,
      { code: 'INPUT_TOO_LONG' },
    );
  }
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
    if (tokens === 0) throw new InvalidInputError(`Row ${b} of encoder.attentionMask is all padding; every source needs at least one token.`);
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

/**
 * Checks a {@link ForwardInput} (or {@link GradientInput}) against the {@link ModelBackend} contract
 * before a backend runs it, so every backend refuses bad input with the same
 * {@link InvalidInputError}: ids in the vocabulary (see {@link checkInputIds}), no more tokens than
 * the model's positions (`'INPUT_TOO_LONG'`), an attention mask of 0/1 of the same shape whose last
 * column is 1 in every row (the batch is left-padded), `inputsEmbeds` (when given)
 * `[batch, seq, hidden]`, and the `encoder` source of an encoder-decoder model (see
 * {@link checkEncoderInput}; refused for a decoder-only one). `layer` is checked by
 * `checkLayerIntervention`; capabilities and options such as `zeroValues` are the backend's to check.
 *
 * @returns `[batch, seq, sourceLength]` (`sourceLength` 0 for a decoder-only model).
 */
export function checkForwardInput(
  input: { readonly inputIds: IntTensor; readonly attentionMask: IntTensor; readonly inputsEmbeds?: Tensor; readonly encoder?: EncoderInput },
  config: ModelConfig,
  options?: CheckForwardInputOptions,
): [number, number, number] {
  const [batch, seq] = checkInputIds(input.inputIds, config);
  if (seq > config.maxPositions) {
    throw new InvalidInputError(
      `The input has ${seq} tokens but ${config.modelType} accepts at most ${config.maxPositions} (n_positions). ` +
        'Shorten the text or the number of generated tokens.',
      { code: 'INPUT_TOO_LONG' },
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
        `Row ${b} of attentionMask ends in padding; the ${options?.backend ?? 'model'} backend reads next-token logits at the last column, so pad on the left.`,
      );
    }
  }
  const embeds = input.inputsEmbeds;
  if (embeds !== undefined) {
    const expected = [batch, seq, config.hiddenSize];
    if (embeds.shape.length !== 3 || embeds.shape.some((dim, i) => dim !== expected[i]) || embeds.data.length !== shapeSize(expected)) {
      throw new InvalidInputError(
        `inputsEmbeds has shape [${embeds.shape.join(', ')}] (${embeds.data.length} values); it must be [${expected.join(', ')}] ` +
          '([batch, sequenceLength, hidden]), e.g. from backend.embed(inputIds).',
      );
    }
  }
  const source = checkEncoderInput(input.encoder, config, batch, options?.call);
  return [batch, seq, source];
}
