import type { IntTensor, Tensor } from '../tensor';
import type { ContrastRows, DifferentiableTarget } from './differentiable-target';
import type { Registry } from '../registry';
import type { ModelArchitecture } from './model-architecture';
import type { GenerationConfig, ModelConfig } from './model-config';
import type { ModelFiles } from './model-files';
import type { Tokenizer } from './tokenizer';

/** What a backend can do; methods and step functions declare which of these they need. */
export interface Capabilities {
  /** {@link ModelBackend.forward}: next-token logits. */
  readonly forward: boolean;
  /** {@link ModelBackend.gradients} with respect to input embeddings. */
  readonly gradients: boolean;
  /** `outputAttentions` in forward: attention weights of every layer and head. */
  readonly attentions: boolean;
  /** `layer` in forward and gradients: capture, replace and differentiate a named layer's output. */
  readonly layerActivations: boolean;
  /** `outputHiddenStates` in forward: the residual stream after the embeddings and each block. */
  readonly hiddenStates: boolean;
  /** `inputsEmbeds` in forward: the pass runs on given embeddings (baseline-replacing perturbations). */
  readonly embeddingInputs?: boolean;
  /** `zeroValues` in forward: value vectors of chosen positions zeroed in one layer (value zeroing). */
  readonly valueZeroing?: boolean;
  /** `rescale` in gradients: DeepLIFT Rescale multipliers against a reference pass. */
  readonly rescaleGradients?: boolean;
  /** `dropoutSeed` in forward: a stochastic pass with the model's dropout active (MC dropout). */
  readonly dropout?: boolean;
}

/**
 * A named layer to capture or replace, named as in the Hugging Face module tree
 * (`transformer.wte`, `transformer.h.3`, `transformer.h.3.mlp`); see {@link ModelBackend.layerNames}.
 */
export interface LayerIntervention {
  readonly name: string;
  /** Replaces the layer's output, `[batch, sequenceLength, hidden]` (layer integrated gradients). */
  readonly override?: Tensor;
}

/**
 * The source side of an encoder-decoder pass: the encoder's tokens, padded on the **right** as
 * Hugging Face tokenizers pad them (encoders place tokens at absolute positions `0…`).
 */
export interface EncoderInput {
  /** `[batch, sourceLength]`. */
  readonly inputIds: IntTensor;
  /** `[batch, sourceLength]`, 1 for tokens, 0 for (right) padding. */
  readonly attentionMask: IntTensor;
  /** Replaces the encoder's token embeddings, `[batch, sourceLength, hidden]` (before any embedding scale). */
  readonly inputsEmbeds?: Tensor;
}

/**
 * Input of one forward pass over a left-padded batch. For an encoder-decoder backend
 * (`config.isEncoderDecoder`) `encoder` is required and `inputIds` / `attentionMask` /
 * `inputsEmbeds` are the decoder's (decoder start token + target prefix).
 */
export interface ForwardInput {
  /** Token ids, `[batch, sequenceLength]`, padded on the left. */
  readonly inputIds: IntTensor;
  /** 1 for real tokens, 0 for padding, `[batch, sequenceLength]`. Position ids follow from it. */
  readonly attentionMask: IntTensor;
  /** Replaces the token embeddings looked up from `inputIds`, `[batch, sequenceLength, hidden]`. */
  readonly inputsEmbeds?: Tensor;
  /** Return attention weights (capability `attentions`). @defaultValue false */
  readonly outputAttentions?: boolean;
  /** Return hidden states (capability `hiddenStates`). @defaultValue false */
  readonly outputHiddenStates?: boolean;
  /** Logits of the last position only, or of every position. @defaultValue 'last' */
  readonly logitsAt?: 'last' | 'all';
  /** Capture (and optionally replace) a layer's output (capability `layerActivations`). */
  readonly layer?: LayerIntervention;
  /**
   * Zero the attention value vector of one key position per row in layer `layer` (all heads), as
   * value zeroing does (Mohebbi et al. 2023). `positions[b] < 0` leaves row b untouched.
   */
  readonly zeroValues?: { readonly layer: number; readonly positions: Int32Array };
  /** Run with dropout active, drawing masks from this seed (capability `dropout`). */
  readonly dropoutSeed?: number;
  /** Encoder-decoder models: the source the decoder attends to. */
  readonly encoder?: EncoderInput;
}

/** Output of {@link ModelBackend.forward}. */
export interface ForwardOutput {
  /** Next-token logits: `[batch, vocab]` at the last position, or `[batch, sequenceLength, vocab]` with `logitsAt: 'all'`. */
  readonly logits: Tensor;
  /** Per layer, `[batch, heads, sequenceLength, sequenceLength]` (rows are queries). */
  readonly attentions?: Tensor[];
  /** Embedding output then each block's output: `numLayers + 1` tensors `[batch, sequenceLength, hidden]`. */
  readonly hiddenStates?: Tensor[];
  /** Output of `layer`, `[batch, sequenceLength, hidden]`. */
  readonly layerActivation?: Tensor;
  /** Encoder-decoder, with `outputAttentions`: encoder self-attention per layer, `[batch, heads, sourceLength, sourceLength]`. */
  readonly encoderAttentions?: Tensor[];
  /** Encoder-decoder, with `outputAttentions`: decoder-to-encoder attention per layer, `[batch, heads, sequenceLength, sourceLength]`. */
  readonly crossAttentions?: Tensor[];
  /** Encoder-decoder, with `outputHiddenStates`: `numLayers + 1` encoder states `[batch, sourceLength, hidden]`. */
  readonly encoderHiddenStates?: Tensor[];
}

/** Input of {@link ModelBackend.gradients}. */
export interface GradientInput extends ForwardInput {
  readonly inputsEmbeds: Tensor;
  /** The token explained in each row, `[batch]`. */
  readonly targetIds: Int32Array;
  readonly target: DifferentiableTarget;
  /** Contrastive alternative of each row, `[batch]`; backends pass it to `target.build`. */
  readonly contrast?: ContrastRows;
  /** Differentiate with respect to this layer's output instead of the input embeddings. */
  readonly layer?: LayerIntervention;
  /**
   * DeepLIFT Rescale rule (capability `rescaleGradients`): elementwise non-linearities use
   * (f(x) − f(x′)) / (x − x′) against a reference pass on these embeddings, `[batch, sequenceLength, hidden]`.
   */
  readonly rescale?: { readonly referenceEmbeds: Tensor; readonly encoderReferenceEmbeds?: Tensor };
  /** Encoder-decoder: the source; its `inputsEmbeds` (required here) are what `encoderGradients` differentiate with respect to. */
  readonly encoder?: EncoderInput;
}

/** Output of {@link ModelBackend.gradients}. */
export interface GradientOutput {
  /** d target / d inputsEmbeds (or d target / d layer output), `[batch, sequenceLength, hidden]`. */
  readonly gradients: Tensor;
  /** The target's value for each row, `[batch]`. */
  readonly targetValues: Float32Array;
  /** The layer's output when `layer` was given, `[batch, sequenceLength, hidden]`. */
  readonly layerActivation?: Tensor;
  /** Encoder-decoder: d target / d encoder `inputsEmbeds`, `[batch, sourceLength, hidden]`. */
  readonly encoderGradients?: Tensor;
}

/** The contract every backend implements. Tensors in and out are plain; backend tensors stay inside. */
export interface ModelBackend {
  readonly name: string;
  readonly config: ModelConfig;
  readonly capabilities: Capabilities;
  /**
   * Why a capability this kind of backend can offer is off for this model (e.g. `gradients`: "node
   * 'x' (op Foo) has no gradient rule"), added to the error of a method that needs it.
   */
  readonly capabilityNotes?: Readonly<Partial<Record<keyof Capabilities, string>>>;
  /**
   * Token embeddings (no positions, no embedding scale), `[batch, sequenceLength, hidden]`;
   * `side` picks the encoder's or the decoder's table of an encoder-decoder model (the same
   * table when they are shared). @defaultValue side 'decoder'
   */
  embed(inputIds: IntTensor, side?: 'encoder' | 'decoder'): Promise<Tensor>;
  forward(input: ForwardInput): Promise<ForwardOutput>;
  gradients?(input: GradientInput): Promise<GradientOutput>;
  /**
   * Optional greedy decoding done by the backend itself (e.g. with a KV cache); the loop uses it
   * instead of re-running `forward` on the whole prefix for every new token. Same contract as the
   * loop's own decoding: stop ids end a row and are not included; returns prompt + new tokens.
   * Encoder-decoder backends: `prompts` are the decoder prefixes (decoder start token, …) and
   * `options.encoder` the source; the stop id ends a row and *is* included, as HF generation.
   */
  generate?(prompts: readonly (readonly number[])[], options: GenerateOptions): Promise<number[][]>;
  /** Layer names accepted by `layer` (capability `layerActivations`), in model order. */
  layerNames?(): string[];
  dispose(): Promise<void>;
}

/** Options of {@link ModelBackend.generate}. */
export interface GenerateOptions {
  readonly maxNewTokens: number;
  readonly stopIds: readonly number[];
  /** Id written into left padding. */
  readonly padId: number;
  /** Encoder-decoder: the source of each prompt (right-padded). */
  readonly encoder?: EncoderInput;
  /** Encoder-decoder: the token forced as the first generated one (`forced_bos_token_id`, mBART / M2M100 target languages). */
  readonly forcedBosTokenId?: number;
}

/** Options a backend loader receives. */
export interface BackendLoadOptions {
  /** `'cpu'`, `'wasm'`, `'webgpu'`, …; each backend documents its own. */
  readonly device?: string;
  /**
   * Which export of the folder to load, for backends that read several (ONNX: `'fp32'`, `'fp16'`,
   * `'q8'`, … as transformers.js names them); see {@link BackendLoader.dtypes}.
   */
  readonly dtype?: string;
  /**
   * Load weights holding NaN or ±∞ with a warning instead of refusing them (every backend checks
   * at load; see core's `reportNonFiniteWeights`). @defaultValue false
   */
  readonly allowNonFiniteWeights?: boolean;
  /** Receives load warnings (non-finite weights allowed). @defaultValue `console.warn` */
  readonly onWarning?: (message: string) => void;
}

/**
 * Turns a model folder into a {@link ModelBackend}. Registered in a backends registry; `canLoad`
 * lets a caller pick the backend for a folder, and explain why none fits. Which config.json
 * `model_type`s it loads is its `architectures` registry, passed when the loader is created
 * (`createTfjsBackendLoader({ architectures })`, `createOrtBackendLoader({ architectures })`); the
 * packages' default loaders hold a read-only registry of the built-ins.
 */
export interface BackendLoader {
  readonly name: string;
  /** The model families this loader knows, by `model_type`; `canLoad` and `load` look them up here. */
  readonly architectures: Registry<ModelArchitecture>;
  /** `true`, or the reason this backend cannot load the folder. */
  canLoad(files: ModelFiles): Promise<true | string>;
  load(files: ModelFiles, options?: BackendLoadOptions): Promise<ModelBackend>;
  /** The `dtype` values `load` accepts; a loader without it loads weights as stored and takes no `dtype`. */
  readonly dtypes?: readonly string[];
}

/** A loaded model ready for attribution: backend, tokenizer and its defaults. */
export interface AttributionModel {
  readonly name: string;
  readonly backend: ModelBackend;
  readonly tokenizer: Tokenizer;
  readonly generationConfig?: GenerationConfig;
}
