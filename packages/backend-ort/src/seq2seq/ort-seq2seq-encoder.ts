import { BackendError, type EncoderInput, InvalidInputError, type ModelConfig, checkEncoderInput } from '@inseq/core';
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

/** Throws unless `encoder` comes as ids: ONNX encoders take `input_ids`, not embeddings. */
export function rejectEncoderEmbeds(encoder: EncoderInput | undefined): void {
  if (encoder?.inputsEmbeds !== undefined) {
    throw new InvalidInputError(
      "encoder.inputsEmbeds was given, but backend 'ort' runs ONNX encoders that take token ids only (input_ids); methods that perturb embeddings need backend-tfjs.",
    );
  }
}

/**
 * Checks the source side of an encoder-decoder call with core's `checkEncoderInput` (present, as
 * many rows as the decoder side, ids in the vocabulary, no more tokens than the model's positions,
 * a 0/1 mask with a token in every row) and copies its ids and mask. Embeddings cannot be fed to an
 * ONNX encoder that takes ids. `forward` passes the `sourceLength` that `checkForwardInput` returned
 * instead of checking again.
 */
export function checkOrtSource(encoder: EncoderInput | undefined, config: ModelConfig, rows: number, call: string, sourceLength?: number): OrtSource {
  rejectEncoderEmbeds(encoder);
  const length = sourceLength ?? checkEncoderInput(encoder, config, rows, call);
  // Checked above (or by checkForwardInput): an encoder-decoder model always has a source here.
  const source = encoder as EncoderInput;
  return { ids: Int32Array.from(source.inputIds.data), mask: Int32Array.from(source.attentionMask.data), batch: rows, length };
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
