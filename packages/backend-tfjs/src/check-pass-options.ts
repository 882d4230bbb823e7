import { checkLayerIntervention, type ForwardInput, InvalidInputError, type ModelConfig, type Tensor, shapeSize } from '@inseq/core';

/**
 * Checks the optional parts of a forward (or gradient) input against the model and a batch of
 * `[batch, seq]` tokens: `logitsAt`, `layer` (a name from `layerNames`, an override of shape
 * `[batch, seq, hidden]`, or `[batch, sourceLength, hidden]` for an encoder layer), `zeroValues` (a block index, one position per row, each `< seq`),
 * `dropoutSeed` (a safe integer). Throws {@link InvalidInputError} `'INVALID_ARGUMENT'` saying what
 * is allowed.
 */
export function checkPassOptions(input: ForwardInput, config: ModelConfig, layerNames: readonly string[], batch: number, seq: number): void {
  if (input.logitsAt !== undefined && input.logitsAt !== 'last' && input.logitsAt !== 'all') {
    throw new InvalidInputError(`logitsAt is ${JSON.stringify(input.logitsAt)}; use 'last' (the default) or 'all'.`, { code: 'INVALID_ARGUMENT' });
  }
  const layer = input.layer;
  if (layer !== undefined) {
    // An encoder layer's output spans the source, not the decoder prefix.
    const length = input.encoder && layerStack(layer.name) === 'encoder' ? input.encoder.inputIds.shape[1] : seq;
    checkLayerIntervention(layer, { layerNames, modelType: config.modelType, shape: [batch, length, config.hiddenSize] });
  }
  const zeroing = input.zeroValues;
  if (zeroing !== undefined) {
    if (!Number.isInteger(zeroing.layer) || zeroing.layer < 0 || zeroing.layer >= config.numLayers) {
      throw new InvalidInputError(`zeroValues.layer is ${zeroing.layer}; it must be a block index in [0, ${config.numLayers}).`, { code: 'INVALID_ARGUMENT' });
    }
    const positions = Array.from(zeroing.positions ?? []);
    if (positions.length !== batch) {
      throw new InvalidInputError(`zeroValues.positions has ${positions.length} entries; give one position per row (${batch}).`, { code: 'INVALID_ARGUMENT' });
    }
    const outside = positions.findIndex((position) => !Number.isInteger(position) || position >= seq);
    if (outside >= 0) {
      throw new InvalidInputError(
        `zeroValues.positions[${outside}] is ${positions[outside]}; use a position in [0, ${seq}) (the sequence length), or -1 to leave the row untouched.`, { code: 'INVALID_ARGUMENT' },
      );
    }
  }
  if (input.dropoutSeed !== undefined && !Number.isSafeInteger(input.dropoutSeed)) {
    throw new InvalidInputError(`dropoutSeed is ${input.dropoutSeed}; use an integer (equal seeds give equal dropout masks).`, { code: 'INVALID_ARGUMENT' });
  }
}

/** Throws unless `tensor` is `[batch, seq, hidden]` with as many values. */
export function checkHiddenShaped(tensor: Tensor, what: string, batch: number, seq: number, hidden: number): void {
  const expected = [batch, seq, hidden];
  if (tensor.shape.length !== 3 || tensor.shape.some((dim, i) => dim !== expected[i]) || tensor.data.length !== shapeSize(expected)) {
    throw new InvalidInputError(
      `${what} has shape [${tensor.shape.join(', ')}] (${tensor.data.length} values); it must be [${expected.join(', ')}] ([batch, sequenceLength, hidden]).`, { code: 'INVALID_ARGUMENT' },
    );
  }
}

/**
 * The stack a layer name belongs to: `'encoder'` when one of its dotted parts is `encoder`
 * (`model.encoder.layers.0`, `encoder.block.1.layer.0`), else `'decoder'` (every layer of a
 * decoder-only model). An encoder layer's output is `[batch, sourceLength, hidden]`.
 */
export function layerStack(name: string): 'encoder' | 'decoder' {
  return name.split('.').includes('encoder') ? 'encoder' : 'decoder';
}
