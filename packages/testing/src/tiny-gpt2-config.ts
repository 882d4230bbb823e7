import type { ResolvedTinyGpt2Options } from './tiny-gpt2-options';

const torchDtype = { F32: 'float32', F16: 'float16', BF16: 'bfloat16' } as const;

/**
 * The `config.json` object of the tiny model: every key a real HF GPT-2 config has (sorted, as
 * transformers writes them), with this model's sizes. `initializer_range` records `initStd`.
 */
export function tinyGpt2Config(options: ResolvedTinyGpt2Options, vocabSize: number): Record<string, unknown> {
  const endOfTextId = vocabSize - 1;
  return {
    activation_function: 'gelu_new',
    architectures: ['GPT2LMHeadModel'],
    attn_pdrop: 0.1,
    bos_token_id: endOfTextId,
    embd_pdrop: 0.1,
    eos_token_id: endOfTextId,
    initializer_range: options.initStd,
    layer_norm_epsilon: 1e-5,
    model_type: 'gpt2',
    n_ctx: options.nPositions,
    n_embd: options.nEmbd,
    n_head: options.nHead,
    n_inner: null,
    n_layer: options.nLayer,
    n_positions: options.nPositions,
    reorder_and_upcast_attn: false,
    resid_pdrop: 0.1,
    scale_attn_by_inverse_layer_idx: false,
    scale_attn_weights: true,
    summary_activation: null,
    summary_first_dropout: 0.1,
    summary_proj_to_labels: true,
    summary_type: 'cls_index',
    summary_use_proj: true,
    tie_word_embeddings: true,
    torch_dtype: torchDtype[options.dtype],
    use_cache: true,
    vocab_size: vocabSize,
  };
}

/** The `generation_config.json` object: greedy, 8 new tokens, GPT-2's special ids. */
export function tinyGpt2GenerationConfig(vocabSize: number): Record<string, unknown> {
  const endOfTextId = vocabSize - 1;
  return { bos_token_id: endOfTextId, do_sample: false, eos_token_id: endOfTextId, max_new_tokens: 8 };
}
