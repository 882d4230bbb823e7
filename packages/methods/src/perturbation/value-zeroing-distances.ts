import { type EncoderInput, InseqError, type IntTensor, type ModelBackend, type Tensor } from '@inseq/core';
import { selectRows } from '../gradient/select-rows';

/** How the change of a layer's output is measured (Inseq `similarity_metric`). */
export const SIMILARITY_METRICS = ['cosine', 'euclidean'] as const;
export type SimilarityMetric = (typeof SIMILARITY_METRICS)[number];

/** Which rows, queries and keys of a left-padded batch to measure. */
export interface ValueZeroingRequest {
  readonly backend: ModelBackend;
  /** `[batch, sequenceLength]`. */
  readonly inputIds: IntTensor;
  readonly attentionMask: IntTensor;
  /** Per row, the query positions (padded coordinates) whose outputs are compared. */
  readonly queries: readonly (readonly number[])[];
  /** Per row, the key positions (padded coordinates) whose value vectors are zeroed, one at a time. */
  readonly keys: readonly (readonly number[])[];
  readonly metric: SimilarityMetric;
  /** Rows per `forward` call. */
  readonly chunkRows: number;
  /**
   * Encoder-decoder models: the source of each row, which every pass sees unchanged (the zeroed
   * values are the decoder's self-attention values, `zeroValues` of the backend contract).
   */
  readonly encoder?: EncoderInput;
}

/**
 * Raw value-zeroing distances (Mohebbi et al. 2023): for every layer l and requested key j, one
 * forward pass with the value vector of j zeroed in layer l only (all heads) — layers below l
 * are untouched, so layer l sees clean inputs, as Inseq's hooks arrange — and the distance between
 * the clean and the altered output of layer l (`hiddenStates[l + 1]`) at each requested query.
 * Cosine distance is computed as ‖a/‖a‖ − b/‖b‖‖² / 2 (= 1 − cos), so identical vectors give
 * exactly 0.
 *
 * @returns Per row, `[queries, keys, layers]` float64 distances, in the order requested.
 */
export async function valueZeroingDistances(request: ValueZeroingRequest): Promise<Float64Array[]> {
  const { backend, inputIds, attentionMask, queries, keys, metric, encoder } = request;
  const [batch, length] = inputIds.shape;
  const layers = backend.config.numLayers;
  const clean = await backend.forward({ inputIds, attentionMask, outputHiddenStates: true, ...(encoder && { encoder }) });
  const cleanStates = checkedStates(clean.hiddenStates, layers);
  const hidden = cleanStates[0].shape[2];
  const out = Array.from({ length: batch }, (_, b) => new Float64Array(queries[b].length * keys[b].length * layers));

  // Variant rows: (row b, key index k), the same for every layer.
  const variants: [number, number][] = [];
  for (let b = 0; b < batch; b++) for (let k = 0; k < keys[b].length; k++) variants.push([b, k]);
  for (let layer = 0; layer < layers; layer++) {
    for (let first = 0; first < variants.length; first += request.chunkRows) {
      const chunk = variants.slice(first, first + request.chunkRows);
      const ids = new Int32Array(chunk.length * length);
      const mask = new Int32Array(chunk.length * length);
      const positions = new Int32Array(chunk.length);
      chunk.forEach(([b, k], r) => {
        ids.set(inputIds.data.subarray(b * length, (b + 1) * length), r * length);
        mask.set(attentionMask.data.subarray(b * length, (b + 1) * length), r * length);
        positions[r] = keys[b][k];
      });
      const altered = await backend.forward({
        inputIds: { data: ids, shape: [chunk.length, length] },
        attentionMask: { data: mask, shape: [chunk.length, length] },
        outputHiddenStates: true,
        zeroValues: { layer, positions },
        ...(encoder && { encoder: encoderRows(encoder, chunk.map(([b]) => b)) }),
      });
      const alteredState = checkedStates(altered.hiddenStates, layers)[layer + 1].data;
      const cleanState = cleanStates[layer + 1].data;
      chunk.forEach(([b, k], r) => {
        queries[b].forEach((q, n) => {
          const a = cleanState.subarray((b * length + q) * hidden, (b * length + q + 1) * hidden);
          const c = alteredState.subarray((r * length + q) * hidden, (r * length + q + 1) * hidden);
          out[b][(n * keys[b].length + k) * layers + layer] = distance(a, c, metric);
        });
      });
    }
  }
  return out;
}

function encoderRows(encoder: EncoderInput, rows: readonly number[]): EncoderInput {
  return {
    inputIds: selectRows(encoder.inputIds, rows),
    attentionMask: selectRows(encoder.attentionMask, rows),
    ...(encoder.inputsEmbeds && { inputsEmbeds: selectRows(encoder.inputsEmbeds, rows) }),
  };
}

function checkedStates(states: Tensor[] | undefined, layers: number): Tensor[] {
  if (!states || states.length !== layers + 1) {
    throw new InseqError(
      `value_zeroing needs ${layers + 1} hidden states (embeddings and each layer) from forward, got ${states?.length ?? 'none'}.`, { code: 'BACKEND_FAILURE' },
    );
  }
  return states;
}

function distance(a: Float32Array, b: Float32Array, metric: SimilarityMetric): number {
  if (metric === 'euclidean') {
    let sum = 0;
    for (let i = 0; i < a.length; i++) sum += (a[i] - b[i]) ** 2;
    return Math.sqrt(sum);
  }
  let normA = 0;
  let normB = 0;
  for (let i = 0; i < a.length; i++) {
    normA += a[i] * a[i];
    normB += b[i] * b[i];
  }
  normA = Math.sqrt(normA);
  normB = Math.sqrt(normB);
  if (normA === 0 || normB === 0) return normA === normB ? 0 : 1;
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += (a[i] / normA - b[i] / normB) ** 2;
  return sum / 2;
}
