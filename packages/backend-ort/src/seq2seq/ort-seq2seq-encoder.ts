import { BackendError, type EncoderInput, InvalidInputError, type ModelConfig } from '@inseq/core';
import { checkOrtIds } from '../check-ort-forward-input';
import type { OrtRuntime } from '../ort-runtime';
import { readFloat32 } from '../ort-tensor-data';
import { type OrtSeq2SeqSessions, int64Tensor, runSeq2SeqSession } from './seq2seq-graph-layout';

/** A checked source batch: ids and 0/1 mask `[batch, sourceLength]`. */
export interface OrtSource {
  readonly ids: Int32Array;
  readonly mask: Int32Array;
  readonly batch: number;
  readonly length: number;
}

/**
 * Checks the source side of an encoder-decoder call: present, ids in the vocabulary, as many rows
 * as the decoder side, no more tokens than the model's positions, a 0/1 mask with a token in every
 * row. Embeddings cannot be fed to an ONNX encoder that takes ids.
 */
export function checkOrtSource(encoder: EncoderInput | undefined, config: ModelConfig, rows: number, what: string): OrtSource {
  if (encoder === undefined) {
    throw new InvalidInputError(
      `${what} of the encoder-decoder model '${config.modelType}' needs \`encoder\` (the source's inputIds and attentionMask, ` +
        'right-padded); the decoder side alone has nothing to attend to.',
    );
  }
  if (encoder.inputsEmbeds !== undefined) {
    throw new InvalidInputError(
      "encoder.inputsEmbeds was given, but backend 'ort' runs ONNX encoders that take token ids only (input_ids); methods that perturb embeddings need backend-tfjs.",
    );
  }
  const [batch, length] = checkOrtIds(encoder.inputIds, config);
  if (batch !== rows) throw new InvalidInputError(`encoder.inputIds has ${batch} rows but the decoder side has ${rows}; give one source per row.`);
  if (length > config.maxPositions) {
    throw new InvalidInputError(`The source has ${length} tokens but ${config.modelType} accepts at most ${config.maxPositions} (max_position_embeddings).`, { code: 'INPUT_TOO_LONG' });
  }
  const mask = encoder.attentionMask;
  if (mask.shape.length !== 2 || mask.shape[0] !== batch || mask.shape[1] !== length || mask.data.length !== batch * length) {
    throw new InvalidInputError(`encoder.attentionMask has shape [${mask.shape.join(', ')}]; it must match encoder.inputIds, [${batch}, ${length}].`);
  }
  for (let b = 0; b < batch; b++) {
    let tokens = 0;
    for (let s = 0; s < length; s++) {
      const m = mask.data[b * length + s];
      if (m !== 0 && m !== 1) throw new InvalidInputError(`encoder.attentionMask[${b}][${s}] is ${m}; use 1 for tokens and 0 for padding.`);
      tokens += m;
    }
    if (tokens === 0) throw new InvalidInputError(`Row ${b} of encoder.attentionMask is all padding; every source needs at least one token.`);
  }
  return { ids: Int32Array.from(encoder.inputIds.data), mask: Int32Array.from(mask.data), batch, length };
}

/**
 * Optimum's names of the encoder's self-attention outputs that `encoder_model.onnx` declares:
 * `encoder_attentions.0`, `.1`, … up to the first missing layer (none for an export without
 * `output_attentions`).
 */
export function encoderAttentionNames(sessions: OrtSeq2SeqSessions): string[] {
  const names: string[] = [];
  while (sessions.encoder.outputNames.includes(`encoder_attentions.${names.length}`)) names.push(`encoder_attentions.${names.length}`);
  return names;
}

/** What {@link readOrtEncoder} read from `encoder_model.onnx`. */
export interface OrtEncoderOutput {
  /** `last_hidden_state`, `[batch, sourceLength, hidden]` (a copy). */
  readonly states: Float32Array;
  /**
   * With `attentions` and an export that has them: per encoder layer the self-attention softmax,
   * `[batch, heads, sourceLength, sourceLength]` (copies). The graph's numbers as HF returns them:
   * padded keys weigh exactly 0 (the mask's score is float32's minimum) and a padded source
   * query keeps its softmax over the real keys, as backend-tfjs and HF do.
   */
  readonly attentions?: { readonly data: Float32Array; readonly shape: [number, number, number, number] }[];
}

/** `last_hidden_state` of `encoder_model.onnx` for the whole source batch, `[batch, sourceLength, hidden]` (a copy). */
export async function runOrtEncoder(sessions: OrtSeq2SeqSessions, Tensor: OrtRuntime['Tensor'], source: OrtSource): Promise<Float32Array> {
  return (await readOrtEncoder(sessions, Tensor, source, false)).states;
}

/** Runs `encoder_model.onnx` on the whole source batch; with `attentions`, also reads its `encoder_attentions.{i}` when it has them. */
export async function readOrtEncoder(sessions: OrtSeq2SeqSessions, Tensor: OrtRuntime['Tensor'], source: OrtSource, attentions: boolean): Promise<OrtEncoderOutput> {
  const shape = [source.batch, source.length];
  const output = await runSeq2SeqSession(
    sessions.encoder,
    { input_ids: int64Tensor(Tensor, source.ids, shape), attention_mask: int64Tensor(Tensor, source.mask, shape) },
    `the encoder over a [${shape.join(', ')}] source batch`,
  );
  try {
    const states = output.last_hidden_state;
    if (states.dims.length !== 3 || states.dims[0] !== source.batch || states.dims[1] !== source.length) {
      throw new BackendError(`encoder_model.onnx returned last_hidden_state of shape [${states.dims.join(', ')}]; expected [${shape.join(', ')}, hidden].`);
    }
    const names = attentions ? encoderAttentionNames(sessions) : [];
    const weights = names.map((name) => {
      const read = output[name];
      const [batch, heads, queries, keys] = read.dims;
      if (read.dims.length !== 4 || batch !== source.batch || queries !== source.length || keys !== source.length) {
        throw new BackendError(
          `encoder_model.onnx returned ${name} of shape [${read.dims.join(', ')}]; expected [${source.batch}, heads, ${source.length}, ${source.length}].`,
        );
      }
      return { data: Float32Array.from(readFloat32(read, name)), shape: [batch, heads, queries, keys] as [number, number, number, number] };
    });
    return { states: Float32Array.from(readFloat32(states, 'last_hidden_state')), ...(weights.length > 0 && { attentions: weights }) };
  } finally {
    for (const tensor of Object.values(output)) tensor.dispose();
  }
}
