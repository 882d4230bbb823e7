import { InvalidInputError } from '@inseq/core';
import { createRng } from '../create-rng';
import { encodeSafetensors } from '../encode-safetensors';
import type { NamedWeight } from '../named-weight';
import { type SafetensorsDtype, roundToDtype } from '../safetensors-dtype';
import { buildGpt2TokenizerJson } from '../build-gpt2-tokenizer-json';
import { buildLlamaTokenizerJson } from './build-llama-tokenizer-json';
import { cachedFixture } from '../fixture-cache';

/** The decoder-only families of the Llama shape the generator writes. */
export type LlamaFamily = 'llama' | 'mistral' | 'qwen2' | 'gemma';

/** `rope_scaling` as Hugging Face configs write it (`rope_type` `'linear'` or `'llama3'`). */
export type RopeScaling =
  | { readonly rope_type: 'linear'; readonly factor: number }
  | {
      readonly rope_type: 'llama3';
      readonly factor: number;
      readonly low_freq_factor: number;
      readonly high_freq_factor: number;
      readonly original_max_position_embeddings: number;
    };

/** Options of {@link createTinyLlama}; equal options give byte-identical files. */
export interface TinyLlamaOptions {
  /** Architecture family; sets `model_type` and its differences (see {@link createTinyLlama}). @defaultValue 'llama' */
  family?: LlamaFamily;
  /** Seed of the weights' PRNG. @defaultValue 0 */
  seed?: number;
  /** @defaultValue 2 */
  numLayers?: number;
  /** @defaultValue 32 */
  hiddenSize?: number;
  /** MLP width. @defaultValue 64 */
  intermediateSize?: number;
  /** @defaultValue 4 */
  numHeads?: number;
  /** Key/value heads (grouped-query attention); must divide `numHeads`. @defaultValue 2 */
  numKeyValueHeads?: number;
  /** Per-head size. @defaultValue hiddenSize / numHeads */
  headDim?: number;
  /** @defaultValue 10000 */
  ropeTheta?: number;
  /** @defaultValue null (plain RoPE) */
  ropeScaling?: RopeScaling | null;
  /** `max_position_embeddings` (RoPE has no table; this only bounds inputs). @defaultValue 4096 */
  maxPositions?: number;
  /** Llama 2 merges the tokenizer keeps. @defaultValue 1000 */
  merges?: number;
  /** Std of the normal init of embeddings and weight matrices. @defaultValue 0.2 */
  initStd?: number;
  /** Storage dtype of `model.safetensors`. @defaultValue 'F32' */
  dtype?: SafetensorsDtype;
  /**
   * The tokenizer: Llama 2's SentencePiece BPE (`<s>` prepended, ids 0–2 `<unk> <s> </s>`) or
   * GPT-2's byte-level BPE with `<|endoftext|>` as eos and no bos, as Qwen2's tokenizer works.
   * @defaultValue 'byte_level' for qwen2, else 'sentencepiece'
   */
  tokenizer?: 'sentencepiece' | 'byte_level';
  /** Tie `lm_head` to the embeddings (no `lm_head.weight` stored). @defaultValue true for gemma, else false */
  tieWordEmbeddings?: boolean;
  /**
   * `vocab_size` (rows of the embedding and LM head), at least the tokenizer's size: real
   * checkpoints pad it (Qwen2.5's 151,936 rows for 151,665 tokens). @defaultValue the tokenizer's size
   */
  vocabSize?: number;
}

/** A generated tiny Llama-family model: its files and, for checks, its weights and config. */
export interface TinyLlama {
  /** `config.json`, `generation_config.json`, `model.safetensors`, `tokenizer.json`, `tokenizer_config.json`. */
  files: Record<string, Uint8Array>;
  /** Every tensor of `model.safetensors` by HF name, values as stored. */
  weights: Record<string, NamedWeight>;
  config: Record<string, unknown>;
}

const architectures: Record<LlamaFamily, string> = {
  llama: 'LlamaForCausalLM',
  mistral: 'MistralForCausalLM',
  qwen2: 'Qwen2ForCausalLM',
  gemma: 'GemmaForCausalLM',
};

/**
 * Llama 2 chat's prompt format (`<s>[INST] user [/INST] reply </s>`, an optional system turn in
 * `<<SYS>>` markers), as a chat template, so that chat-formatted attribution can be tested.
 */
const llama2ChatTemplate =
  "{% if messages[0]['role'] == 'system' %}{% set system = '<<SYS>>\\n' + messages[0]['content'] + '\\n<</SYS>>\\n\\n' %}{% set loop_messages = messages[1:] %}" +
  "{% else %}{% set system = '' %}{% set loop_messages = messages %}{% endif %}" +
  "{% for message in loop_messages %}{% if message['role'] == 'user' %}" +
  "{{ bos_token + '[INST] ' + (system if loop.first else '') + message['content'] + ' [/INST]' }}" +
  "{% elif message['role'] == 'assistant' %}{{ ' ' + message['content'] + ' ' + eos_token }}{% endif %}{% endfor %}";

const encoder = new TextEncoder();
const jsonFile = (value: unknown): Uint8Array => encoder.encode(`${JSON.stringify(value, null, 2)}\n`);

/**
 * Generates a random, untrained decoder of the Llama shape in the Hugging Face layout, with a real
 * Llama 2 SentencePiece tokenizer cut to `merges` merges (ids 0 `<unk>`, 1 `<s>`, 2 `</s>`), or
 * for qwen2 GPT-2's real byte-level BPE (see `tokenizer`).
 * Families differ as in transformers: `llama` and `mistral` (RMSNorm, RoPE, SwiGLU, GQA, no
 * biases), `qwen2` (adds q/k/v projection biases), `gemma` (GeGLU with tanh-approximated GELU,
 * embeddings scaled by √hidden, RMSNorm scaling by `1 + weight`, tied embeddings).
 * Deterministic; checked against {@link referenceLlamaForward}.
 */
export function createTinyLlama(options: TinyLlamaOptions = {}): TinyLlama {
  return cachedFixture('createTinyLlama', options, () => {
    const { weights, config, files, dtype } = tinyLlamaParts(options);
    const tensors = Object.fromEntries(Object.entries(weights).map(([name, { shape, data }]) => [name, { dtype, shape, data }]));
    const { 'tokenizer.json': tokenizer, 'tokenizer_config.json': tokenizerConfig, ...head } = files;
    // Same key order as before the split (config, generation config, weights, tokenizer files).
    return {
      files: { ...head, 'model.safetensors': encodeSafetensors(tensors), 'tokenizer.json': tokenizer, 'tokenizer_config.json': tokenizerConfig },
      weights,
      config,
    };
  });
}

/**
 * What {@link createTinyLlama} generates, before the weights are serialised: the weights, the
 * config and the other files (`config.json`, `generation_config.json`, `tokenizer.json`,
 * `tokenizer_config.json`), for writers that stream large weights to disk instead.
 */
export function tinyLlamaParts(options: TinyLlamaOptions = {}): Omit<TinyLlama, 'files'> & {
  files: Record<string, Uint8Array>;
  dtype: SafetensorsDtype;
} {
  const family = options.family ?? 'llama';
  const hidden = options.hiddenSize ?? 32;
  const numHeads = options.numHeads ?? 4;
  const numKv = options.numKeyValueHeads ?? 2;
  const headDim = options.headDim ?? hidden / numHeads;
  const intermediate = options.intermediateSize ?? 64;
  const numLayers = options.numLayers ?? 2;
  const initStd = options.initStd ?? 0.2;
  const dtype = options.dtype ?? 'F32';
  const tied = options.tieWordEmbeddings ?? family === 'gemma';
  if (!Number.isInteger(headDim) || headDim % 2 !== 0 || numHeads % numKv !== 0) {
    throw new InvalidInputError(
      `createTinyLlama needs an even integer head size and numKeyValueHeads dividing numHeads; got headDim ${headDim}, ${numHeads} heads, ${numKv} key/value heads.`, { code: 'INVALID_ARGUMENT' },
    );
  }
  const byteLevel = (options.tokenizer ?? (family === 'qwen2' ? 'byte_level' : 'sentencepiece')) === 'byte_level';
  const built = byteLevel
    ? buildGpt2TokenizerJson({ merges: options.merges ?? 1000, modelMaxLength: options.maxPositions ?? 4096 })
    : buildLlamaTokenizerJson({ merges: options.merges ?? 1000, modelMaxLength: options.maxPositions ?? 4096 });
  const { tokenizerJson } = built;
  const vocabSize = options.vocabSize ?? built.vocabSize;
  if (!Number.isInteger(vocabSize) || vocabSize < built.vocabSize) {
    throw new InvalidInputError(
      `createTinyLlama's vocabSize must be an integer of at least the tokenizer's ${built.vocabSize} tokens, got ${vocabSize}.`, { code: 'INVALID_ARGUMENT' },
    );
  }
  // Byte-level (Qwen2-style): <|endoftext|> (the last id) ends text and pads; there is no bos.
  const endOfText = built.vocabSize - 1;
  const special = byteLevel ? { bos: null, eos: endOfText, pad: endOfText } : { bos: 1, eos: 2, pad: null };
  const tokenizerConfig = byteLevel
    ? { ...built.tokenizerConfig, bos_token: null, pad_token: '<|endoftext|>', tokenizer_class: 'Qwen2Tokenizer' }
    : { ...built.tokenizerConfig, chat_template: llama2ChatTemplate };

  const rng = createRng(options.seed ?? 0);
  const weights: Record<string, NamedWeight> = {};
  const add = (name: string, shape: number[], init: 'matrix' | 'bias' | 'norm') => {
    const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
    for (let i = 0; i < data.length; i++) {
      const noise = rng.normal();
      if (init === 'matrix') data[i] = initStd * noise;
      else if (init === 'bias') data[i] = (initStd / 2) * noise;
      // Gemma's RMSNorm scales by 1 + weight, so its weights are stored around 0.
      else data[i] = (family === 'gemma' ? 0 : 1) + (initStd / 2) * noise;
    }
    weights[name] = { shape, data: roundToDtype(data, dtype) };
  };
  add('model.embed_tokens.weight', [vocabSize, hidden], 'matrix');
  for (let layer = 0; layer < numLayers; layer++) {
    const prefix = `model.layers.${layer}`;
    add(`${prefix}.input_layernorm.weight`, [hidden], 'norm');
    add(`${prefix}.self_attn.q_proj.weight`, [numHeads * headDim, hidden], 'matrix');
    if (family === 'qwen2') add(`${prefix}.self_attn.q_proj.bias`, [numHeads * headDim], 'bias');
    add(`${prefix}.self_attn.k_proj.weight`, [numKv * headDim, hidden], 'matrix');
    if (family === 'qwen2') add(`${prefix}.self_attn.k_proj.bias`, [numKv * headDim], 'bias');
    add(`${prefix}.self_attn.v_proj.weight`, [numKv * headDim, hidden], 'matrix');
    if (family === 'qwen2') add(`${prefix}.self_attn.v_proj.bias`, [numKv * headDim], 'bias');
    add(`${prefix}.self_attn.o_proj.weight`, [hidden, numHeads * headDim], 'matrix');
    add(`${prefix}.post_attention_layernorm.weight`, [hidden], 'norm');
    add(`${prefix}.mlp.gate_proj.weight`, [intermediate, hidden], 'matrix');
    add(`${prefix}.mlp.up_proj.weight`, [intermediate, hidden], 'matrix');
    add(`${prefix}.mlp.down_proj.weight`, [hidden, intermediate], 'matrix');
  }
  add('model.norm.weight', [hidden], 'norm');
  if (!tied) add('lm_head.weight', [vocabSize, hidden], 'matrix');

  const activation = family === 'gemma' ? 'gelu_pytorch_tanh' : 'silu';
  const config: Record<string, unknown> = {
    architectures: [architectures[family]],
    attention_bias: family === 'qwen2',
    attention_dropout: 0,
    bos_token_id: special.bos,
    eos_token_id: special.eos,
    head_dim: headDim,
    hidden_act: activation,
    ...(family === 'gemma' && { hidden_activation: activation }),
    hidden_size: hidden,
    initializer_range: initStd,
    intermediate_size: intermediate,
    max_position_embeddings: options.maxPositions ?? 4096,
    model_type: family,
    num_attention_heads: numHeads,
    num_hidden_layers: numLayers,
    num_key_value_heads: numKv,
    pad_token_id: special.pad,
    rms_norm_eps: 1e-6,
    rope_scaling: options.ropeScaling ?? null,
    rope_theta: options.ropeTheta ?? 10000,
    ...(family === 'mistral' && { sliding_window: null }),
    ...(family === 'qwen2' && { use_sliding_window: false, sliding_window: null }),
    tie_word_embeddings: tied,
    torch_dtype: { F32: 'float32', F16: 'float16', BF16: 'bfloat16' }[dtype],
    vocab_size: vocabSize,
  };
  const files = {
    'config.json': jsonFile(config),
    'generation_config.json': jsonFile({ bos_token_id: special.bos, eos_token_id: special.eos }),
    'tokenizer.json': jsonFile(tokenizerJson),
    'tokenizer_config.json': jsonFile(tokenizerConfig),
  };
  return { files, weights, config, dtype };
}
