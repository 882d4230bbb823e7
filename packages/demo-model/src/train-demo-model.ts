import { encodeSafetensors, loadTokenizer, memoryModelFiles } from '@inseq/core';
import { encodeOnnxModel, gpt2OnnxModelSpec } from '@inseq/testing';
import { type EvaluationCase, evaluationCases, trainingSentences } from './corpus/generate-corpus';
import { byteLevelBpeTokenizerFiles, trainByteLevelBpe } from './tokenizer/train-byte-level-bpe';
import { type TrainRecipe, type TrainStep, packBatch, trainGpt2 } from './train/train-gpt2';
import { type Gpt2Shape, createTrainableGpt2 } from './train/trainable-gpt2';

/** Everything that decides the demo model: change one and the weights change. */
export interface DemoModelRecipe extends TrainRecipe {
  readonly seed: number;
  readonly hidden: number;
  readonly layers: number;
  readonly heads: number;
  /** `n_positions` (the longest input the model takes). */
  readonly positions: number;
  /** The longest training sentence allowed, in tokens (end-of-text included); each batch is padded to its own longest. */
  readonly sequenceLength: number;
  /** BPE merges learned at most. */
  readonly maxMerges: number;
  /** How many corpus sentences the tokenizer is trained on. */
  readonly tokenizerSentences: number;
}

/** The recipe of the committed `models/inseq-demo-gpt2`. */
export const DEMO_MODEL_RECIPE: DemoModelRecipe = {
  seed: 2024,
  hidden: 128,
  layers: 4,
  heads: 4,
  positions: 64,
  sequenceLength: 20,
  maxMerges: 2000,
  tokenizerSentences: 20_000,
  steps: 2000,
  batchSize: 32,
  learningRate: 3e-3,
  warmupSteps: 100,
  clipNorm: 1,
};

/** The files of a model folder in the Hugging Face layout, by relative path. */
export type ModelFolderFiles = Record<string, Uint8Array>;

/** What {@link trainDemoModel} returns. */
export interface TrainedDemoModel {
  /** `config.json`, `generation_config.json`, `tokenizer.json`, `tokenizer_config.json`, `model.safetensors`, `onnx/model.onnx`, `evaluation.jsonl`. */
  readonly files: ModelFolderFiles;
  readonly losses: readonly number[];
  readonly vocabSize: number;
  readonly evaluationCases: readonly EvaluationCase[];
}

const json = (value: unknown) => new TextEncoder().encode(`${JSON.stringify(value, null, 2)}\n`);

/**
 * Trains the demo GPT-2 from nothing but `recipe`: generates the corpus, learns a byte-level BPE
 * tokenizer on it, trains the model on the current tfjs backend, and writes the Hugging Face
 * folder (safetensors, tokenizer, config, the ONNX export for ONNX Runtime, the held-out
 * evaluation cases). Same recipe and backend → same bytes.
 */
export async function trainDemoModel(recipe: DemoModelRecipe, onStep?: (step: TrainStep) => void): Promise<TrainedDemoModel> {
  const sentences = trainingSentences(recipe.seed);
  const tokenizerText: string[] = [];
  for (let i = 0; i < recipe.tokenizerSentences; i++) tokenizerText.push(sentences.next().value as string);
  const bpe = trainByteLevelBpe(tokenizerText, { maxMerges: recipe.maxMerges });
  const { tokenizerJson, tokenizerConfig, vocabSize, endOfTextId } = byteLevelBpeTokenizerFiles(bpe, recipe.positions);
  const tokenizerFiles = { 'tokenizer.json': json(tokenizerJson), 'tokenizer_config.json': json(tokenizerConfig) };
  const tokenizer = await loadTokenizer(memoryModelFiles(tokenizerFiles, 'demo tokenizer'));

  const shape: Gpt2Shape = { vocabSize, positions: recipe.positions, hidden: recipe.hidden, layers: recipe.layers, heads: recipe.heads, epsilon: 1e-5 };
  const model = createTrainableGpt2(shape, recipe.seed);
  try {
    // Training continues the same sentence stream the tokenizer was learned from.
    const encode = (text: string) => [...tokenizer.encode(text), endOfTextId];
    const nextBatch = () => {
      const rows = Array.from({ length: recipe.batchSize }, () => encode(sentences.next().value as string));
      const longest = Math.max(...rows.map((row) => row.length));
      if (longest > recipe.sequenceLength) throw new Error(`A training sentence has ${longest} tokens, more than sequenceLength ${recipe.sequenceLength}.`);
      // Padded to the batch's longest sentence only: positions after it would be masked anyway.
      return packBatch(rows, longest, endOfTextId);
    };
    const losses = await trainGpt2(model, recipe, nextBatch, onStep);

    const config = gpt2Config(shape, endOfTextId);
    const weights = Object.fromEntries([...model.variables].map(([name, variable]) => [name, { shape: variable.shape, data: variable.dataSync() as Float32Array }]));
    const cases = evaluationCases(recipe.seed + 1);
    const files: ModelFolderFiles = {
      'config.json': json(config),
      'generation_config.json': json({ bos_token_id: endOfTextId, eos_token_id: endOfTextId, max_new_tokens: 8, _from_model_config: true }),
      ...tokenizerFiles,
      'model.safetensors': encodeSafetensors(
        Object.fromEntries(Object.entries(weights).map(([name, { shape, data }]) => [name, { dtype: 'F32' as const, shape, data }])),
        { format: 'pt' },
      ),
      'onnx/model.onnx': encodeOnnxModel(gpt2OnnxModelSpec(weights, config, { withPast: true, outputAttentions: true })),
      'evaluation.jsonl': new TextEncoder().encode(cases.map((c) => `${JSON.stringify(c)}\n`).join('')),
    };
    return { files, losses, vocabSize, evaluationCases: cases };
  } finally {
    model.dispose();
  }
}

/** `config.json` of a `GPT2LMHeadModel` of this shape, as transformers writes it. */
export function gpt2Config(shape: Gpt2Shape, endOfTextId: number): Record<string, unknown> {
  return {
    activation_function: 'gelu_new',
    architectures: ['GPT2LMHeadModel'],
    attn_pdrop: 0,
    bos_token_id: endOfTextId,
    embd_pdrop: 0,
    eos_token_id: endOfTextId,
    initializer_range: 0.02,
    layer_norm_epsilon: shape.epsilon,
    model_type: 'gpt2',
    n_ctx: shape.positions,
    n_embd: shape.hidden,
    n_head: shape.heads,
    n_inner: null,
    n_layer: shape.layers,
    n_positions: shape.positions,
    reorder_and_upcast_attn: false,
    resid_pdrop: 0,
    scale_attn_by_inverse_layer_idx: false,
    scale_attn_weights: true,
    tie_word_embeddings: true,
    torch_dtype: 'float32',
    use_cache: true,
    vocab_size: shape.vocabSize,
  };
}

