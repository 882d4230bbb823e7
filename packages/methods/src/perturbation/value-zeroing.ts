import { defineMethod, defineOptions, type ModelBackend } from '@inseq/core';
import { requireDecoderOnlySequence } from '../attention/require-decoder-only-sequence';
import { realPositions } from './real-positions';
import { SIMILARITY_METRICS, type SimilarityMetric, valueZeroingDistances } from './value-zeroing-distances';

const options = defineOptions({
  similarity_metric: { type: 'string', default: 'cosine', values: SIMILARITY_METRICS, description: 'How far each hidden state moves when a token’s values are zeroed: cosine or euclidean.' },
  internal_batch_size: { type: 'number', integer: true, min: 1, description: 'Rows per backend call (default: all at once).' },
});

/** Hidden-state floats one `forward` call may return (64 MiB): every layer's states come back. */
const HIDDEN_STATE_BUDGET = 2 ** 24;

function chunkRows(backend: ModelBackend, length: number, given: unknown): number {
  if (typeof given === 'number') return given;
  const perRow = (backend.config.numLayers + 1) * length * backend.config.hiddenSize;
  return Math.max(1, Math.floor(HIDDEN_STATE_BUDGET / perRow));
}

/** Divides each layer's scores of one query by their sum over `keys` keys (Inseq's normalisation). */
function normalise(
  distances: Float64Array,
  query: number,
  keys: number,
  used: number,
  layers: number,
  write: (key: number, layer: number, value: number) => void,
): void {
  for (let layer = 0; layer < layers; layer++) {
    let sum = 0;
    for (let k = 0; k < used; k++) sum += distances[(query * keys + k) * layers + layer];
    const scale = sum === 0 ? 1 : sum;
    for (let k = 0; k < used; k++) write(k, layer, distances[(query * keys + k) * layers + layer] / scale);
  }
}

/**
 * Value zeroing (Mohebbi et al. 2023, "Quantifying Context Mixing in Transformers", EACL,
 * arXiv:2301.12971), as Inseq's `value_zeroing` (`inseq/attr/feat/ops/value_zeroing.py`, after
 * hmohebbi/ValueZeroing): for each layer l and key j, the value vector of j is zeroed in layer l
 * (all heads) and the score is the distance between layer l's clean and altered output at the
 * query — `similarity_metric` 'cosine' (1 − cosine similarity, the default) or 'euclidean' (the
 * L2 distance; Inseq's own 'euclidean' subtracts a `cdist` matrix from 1, which we do not copy).
 * Each layer's scores are divided by their sum over the keys (Inseq's normalisation; an all-zero
 * layer stays 0). The layer output is the backend's `hiddenStates[l + 1]`; Hugging Face (and so
 * Inseq) applies the final layer norm to the last one.
 *
 * `attributeStep` explains the step's next token from its last position: `[batch,
 * sequenceLength, layers]` (0 on padding). `attributeSequence` serves every step from passes over
 * the whole target (one per layer and key, batched): step s (position p) reads query p − 1 over
 * keys < p, `[targetLength, nSteps, layers]` with NaN on keys not yet visible. For a causal model
 * both agree: zeroing a later key changes no earlier query.
 *
 * Encoder-decoder models: as Inseq's `value_zeroing`, which zeroes the decoder's self-attention
 * values only (its encoder and cross-attention zeroing are unimplemented TODOs): the decoder's
 * layers and self-attention, with the source passed unchanged, give the target side `[batch,
 * sequenceLength, decoderLayers]`; `sourceAttributions` come back NaN-filled, `[batch,
 * sourceLength, decoderLayers]` (`source_attributions` NaN). Only `attributeStep` serves them (a sequence context carries no source).
 *
 * Options: `similarity_metric` (@defaultValue 'cosine'), `internal_batch_size` (rows per
 * `forward`; @defaultValue as many as keep the returned hidden states under 2²⁴ floats).
 */
export const valueZeroing = defineMethod({
  name: 'value_zeroing',
  paper: 'Mohebbi, Zuidema, Chrupała & Alishahi (2023), Quantifying Context Mixing in Transformers, arXiv:2301.12971',
  family: 'perturbation',
  requires: ['valueZeroing', 'hiddenStates'],
  // Zeroes value vectors inside ids-only passes.
  embeddings: 'never',
  description: "Context mixing: change of each layer's output when one token's attention value vector is zeroed.",
  options,
  async attributeStep(ctx) {
    const [batch, length] = ctx.inputIds.shape;
    const layers = ctx.backend.config.numLayers;
    const keys = Array.from({ length: batch }, (_, b) => realPositions(ctx.attentionMask, b));
    const distances = await valueZeroingDistances({
      backend: ctx.backend,
      inputIds: ctx.inputIds,
      attentionMask: ctx.attentionMask,
      queries: keys.map(() => [length - 1]),
      keys,
      metric: ctx.options.similarity_metric,
      chunkRows: chunkRows(ctx.backend, length, ctx.options.internal_batch_size),
      // The source rides along unchanged; its token embeddings are looked up again by the backend.
      ...(ctx.encoder && { encoder: { inputIds: ctx.encoder.inputIds, attentionMask: ctx.encoder.attentionMask } }),
    });
    const attributions = new Float32Array(batch * length * layers);
    keys.forEach((rowKeys, b) => {
      normalise(distances[b], 0, rowKeys.length, rowKeys.length, layers, (k, layer, value) => {
        attributions[(b * length + rowKeys[k]) * layers + layer] = value;
      });
    });
    const result = { attributions: { data: attributions, shape: [batch, length, layers] } };
    if (!ctx.encoder) return result;
    // The source is not attributed: NaN, as the loop expects of a one-sided method.
    const sourceLength = ctx.encoder.inputIds.shape[1];
    return { ...result, sourceAttributions: { data: new Float32Array(batch * sourceLength * layers).fill(Number.NaN), shape: [batch, sourceLength, layers] } };
  },
  async attributeSequence(ctx) {
    requireDecoderOnlySequence('value_zeroing', ctx);
    const maxLength = ctx.inputIds.shape[1];
    const layers = ctx.backend.config.numLayers;
    // Keys a step can see: positions < end − 1 of the row; queries: p − 1 for every explained p.
    const keys = ctx.rows.map(({ offset, end }) => Array.from({ length: end - 1 }, (_, j) => offset + j));
    const queries = ctx.rows.map(({ offset, start, end }) => Array.from({ length: end - start }, (_, s) => offset + start + s - 1));
    const distances = await valueZeroingDistances({
      backend: ctx.backend,
      inputIds: ctx.inputIds,
      attentionMask: ctx.attentionMask,
      queries,
      keys,
      metric: ctx.options.similarity_metric,
      chunkRows: chunkRows(ctx.backend, maxLength, ctx.options.internal_batch_size),
    });
    const attributions = ctx.rows.map(({ offset, start, end }, r) => {
      const targetLength = maxLength - offset;
      const nSteps = end - start;
      const data = new Float32Array(targetLength * nSteps * layers).fill(Number.NaN);
      for (let s = 0; s < nSteps; s++) {
        normalise(distances[r], s, keys[r].length, start + s, layers, (j, layer, value) => {
          data[(j * nSteps + s) * layers + layer] = value;
        });
      }
      return { data, shape: [targetLength, nSteps, layers] };
    });
    return { attributions };
  },
});
