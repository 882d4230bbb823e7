import type { IntTensor, Tensor } from '../tensor';
import type { DifferentiableTarget } from './differentiable-target';
import type { GenerationConfig, ModelConfig } from './model-config';
import type { ModelFiles } from './model-files';
import type { Tokenizer } from './tokenizer';

/** What a backend can do; methods declare which of these they need. */
export interface Capabilities {
  readonly forward: boolean;
  readonly gradients: boolean;
  readonly attentions: boolean;
  readonly layerActivations: boolean;
  readonly hiddenStates: boolean;
}

/** Input of one forward pass over a left-padded batch. */
export interface ForwardInput {
  /** Token ids, `[batch, sequenceLength]`, padded on the left. */
  readonly inputIds: IntTensor;
  /** 1 for real tokens, 0 for padding, `[batch, sequenceLength]`. Position ids follow from it. */
  readonly attentionMask: IntTensor;
  /** Replaces the token embeddings looked up from `inputIds`, `[batch, sequenceLength, hidden]`. */
  readonly inputsEmbeds?: Tensor;
}

/** Output of {@link ModelBackend.forward}. */
export interface ForwardOutput {
  /** Next-token logits at the last position, `[batch, vocab]`. */
  readonly logits: Tensor;
}

/** Input of {@link ModelBackend.gradients}. */
export interface GradientInput extends ForwardInput {
  readonly inputsEmbeds: Tensor;
  /** The token explained in each row, `[batch]`. */
  readonly targetIds: Int32Array;
  readonly target: DifferentiableTarget;
}

/** Output of {@link ModelBackend.gradients}. */
export interface GradientOutput {
  /** d target / d inputsEmbeds, `[batch, sequenceLength, hidden]`. */
  readonly gradients: Tensor;
  /** The target's value for each row, `[batch]`. */
  readonly targetValues: Float32Array;
}

/** The contract every backend implements. Tensors in and out are plain; backend tensors stay inside. */
export interface ModelBackend {
  readonly name: string;
  readonly config: ModelConfig;
  readonly capabilities: Capabilities;
  /** Token embeddings (no positions), `[batch, sequenceLength, hidden]`. */
  embed(inputIds: IntTensor): Promise<Tensor>;
  forward(input: ForwardInput): Promise<ForwardOutput>;
  gradients?(input: GradientInput): Promise<GradientOutput>;
  dispose(): Promise<void>;
}

/** Options a backend loader receives. */
export interface BackendLoadOptions {
  /** `'cpu'`, `'wasm'`, `'webgpu'`, …; each backend documents its own. */
  readonly device?: string;
}

/**
 * Turns a model folder into a {@link ModelBackend}. Registered in a backends registry; `canLoad`
 * lets a caller pick the backend for a folder, and explain why none fits.
 */
export interface BackendLoader {
  readonly name: string;
  /** `true`, or the reason this backend cannot load the folder. */
  canLoad(files: ModelFiles): Promise<true | string>;
  load(files: ModelFiles, options?: BackendLoadOptions): Promise<ModelBackend>;
}

/** A loaded model ready for attribution: backend, tokenizer and its defaults. */
export interface AttributionModel {
  readonly name: string;
  readonly backend: ModelBackend;
  readonly tokenizer: Tokenizer;
  readonly generationConfig?: GenerationConfig;
}
