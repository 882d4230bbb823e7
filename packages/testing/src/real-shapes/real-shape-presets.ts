import type { TinyLlamaOptions } from '../llama/create-tiny-llama';
import type { TinyGpt2Options } from '../tiny-gpt2-options';

/**
 * GPT-2 small's sizes (124 M parameters: 12 layers × 768 hidden × 12 heads, 1024 positions) with
 * GPT-2's real 50,257-token BPE (50,000 merges) and GPT-2's init std 0.02, for
 * {@link writeRandomGpt2Folder}. Random weights: the shape of the real checkpoint, not its outputs.
 */
export const gpt2SmallShape: Readonly<TinyGpt2Options> = Object.freeze({
  nLayer: 12,
  nEmbd: 768,
  nHead: 12,
  nPositions: 1024,
  merges: 50000,
  initStd: 0.02,
  seed: 0,
});

/**
 * Qwen2.5-0.5B's sizes (494 M parameters: 24 layers × 896 hidden, 4864 MLP, 14 query and 2
 * key/value heads of 64, vocab 151,936, tied embeddings, q/k/v biases, rope_theta 1e6, RMSNorm eps
 * 1e-6), for {@link writeRandomLlamaFolder}. The tokenizer is GPT-2's byte-level BPE (50,257 ids,
 * all below the 151,936 rows), not Qwen's own: the benchmarks need ids that fit, not Qwen's text.
 */
export const qwen25HalfBShape: Readonly<TinyLlamaOptions> = Object.freeze({
  family: 'qwen2',
  numLayers: 24,
  hiddenSize: 896,
  intermediateSize: 4864,
  numHeads: 14,
  numKeyValueHeads: 2,
  ropeTheta: 1000000,
  maxPositions: 32768,
  tieWordEmbeddings: true,
  vocabSize: 151936,
  tokenizer: 'byte_level',
  merges: 50000,
  initStd: 0.02,
  seed: 0,
});
