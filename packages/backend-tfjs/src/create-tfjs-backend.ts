import {
  BackendError,
  type Capabilities,
  checkForwardInput,
  checkIds,
  checkInputIds,
  type ForwardInput,
  type ForwardOutput,
  type Tensor,
  type GradientInput,
  InseqError,
  InvalidInputError,
  type ModelBackend,
} from '@inseq/core';
import * as tf from './tf';
import { checkHiddenShaped, checkPassOptions } from './check-pass-options';
import type { TfjsCausalLm } from './models/tfjs-causal-lm';
import { passFromInput, tensor3d } from './pass-from-input';
import { readOut, readOutAll } from './read-out';
import { concatRows, inRowChunks } from './split-rows';
import { tfjsGradients } from './tfjs-gradients';
import { checkRunFitsWasm, type WasmMemoryPlan, wasmAbortedError, wasmOutOfMemoryError } from './wasm-memory-budget';

/** Options of {@link createTfjsBackend}. */
export interface CreateTfjsBackendOptions {
  /**
   * The model's wasm memory plan (from `checkModelFitsWasm`): each forward or gradient run on the
   * wasm device is checked against it first, and refused with `'BATCH_TOO_LARGE'` when it cannot
   * fit. @defaultValue no check
   */
  readonly wasmMemory?: WasmMemoryPlan;
}

const capabilities: Capabilities = Object.freeze({
  forward: true,
  embeddingInputs: true,
  gradients: true,
  attentions: true,
  layerActivations: true,
  hiddenStates: true,
  valueZeroing: true,
  rescaleGradients: true,
  dropout: true,
});

/**
 * Wraps a tfjs model as a {@link ModelBackend} named `'tfjs'`: checks inputs, runs each call inside
 * `tf.tidy` so that no tensor outlives it, copies results out as plain tensors, and wraps tfjs
 * failures in {@link BackendError}. Every capability is offered; the options follow Hugging Face:
 *
 * - `outputAttentions`: per layer `[batch, heads, seq, seq]`, HF's `attentions` (softmax weights
 *   after attention dropout; rows are queries). Padded and future keys get exactly 0; a padding
 *   query sees no key and gets uniform weights over all keys, as HF eager attention does.
 * - `outputHiddenStates`: HF's `hidden_states`, `numLayers + 1` tensors `[batch, seq, hidden]`:
 *   wte + wpe (after embedding dropout), then each block's output, except that the last is taken
 *   after `ln_f`, as HF does.
 * - `logitsAt: 'all'`: `[batch, seq, vocab]` logits (forward only; gradients read the last column).
 * - `layer` (`layerNames()`): `layerActivation` is the layer's own output, `[batch, seq, hidden]`;
 *   `override` replaces it for the rest of the pass (at `transformer.wte`, the token embeddings).
 *   In `gradients`, the gradient is taken w.r.t. that output (at the override when given).
 * - `zeroValues`: in block `layer`, the value vector (after `c_attn`, bias included) of key
 *   `positions[b]` is zeroed in every head of row b, as Inseq's value-zeroing hook.
 * - `rescale`: DeepLIFT Rescale multipliers against a pass on `referenceEmbeds` (see `tfjsGradients`).
 * - `dropoutSeed`: HF's dropout placements at config.json's rates, masks from a PRNG seeded with it.
 *
 * `zeroValues` and `dropoutSeed` apply to gradient passes too (and to the reference pass of
 * `rescale`); `gradients` returns no attentions or hidden states and ignores those two flags.
 *
 * @param model - Owned by the backend from now on; `dispose()` frees it.
 * @param options - the wasm memory plan each run is checked against.
 */
export function createTfjsBackend(model: TfjsCausalLm, options: CreateTfjsBackendOptions = {}): ModelBackend {
  const { wasmMemory } = options;
  const config = model.config;
  let disposed = false;

  async function guarded<T>(what: string, work: () => Promise<T>): Promise<T> {
    if (disposed) {
      throw new BackendError(`The tfjs backend of this ${config.modelType} model was disposed; load the model again to ${what}.`);
    }
    const aborted = wasmAbortedError(what);
    if (aborted) throw aborted;
    try {
      return await work();
    } catch (error) {
      if (InseqError.isInstance(error)) throw error;
      throw wasmOutOfMemoryError(error, what) ?? new BackendError(`tfjs failed to ${what} (${config.modelType}): ${(error as Error)?.message ?? String(error)}`, { cause: error });
    }
  }

  const layerNames = model.layerNames();

  async function forwardRows(input: ForwardInput): Promise<ForwardOutput> {
    const {
      logits,
      attentions = [],
      hiddenStates = [],
      layerActivation,
      encoderAttentions = [],
      crossAttentions = [],
      encoderHiddenStates = [],
    } = tf.tidy(() => {
      const override = input.layer?.override && tensor3d(input.layer.override);
      const tap = input.layer && { name: input.layer.name, apply: (output: tf.Tensor3D) => override ?? output };
      const result = model.run(passFromInput(model, input, { tap }));
      return {
        logits: result.logits,
        ...(result.attentions && { attentions: result.attentions }),
        ...(result.hiddenStates && { hiddenStates: result.hiddenStates }),
        ...(result.layerActivation && { layerActivation: result.layerActivation }),
        ...(result.encoderAttentions && { encoderAttentions: result.encoderAttentions }),
        ...(result.crossAttentions && { crossAttentions: result.crossAttentions }),
        ...(result.encoderHiddenStates && { encoderHiddenStates: result.encoderHiddenStates }),
      };
    });
    const groups = [attentions, hiddenStates, layerActivation ? [layerActivation] : [], encoderAttentions, crossAttentions, encoderHiddenStates];
    const [logitsOut, ...rest] = await readOutAll([logits, ...groups.flat()]);
    // Split the read tensors back into their groups, in the order above.
    const [attentionsOut, hiddenOut, layerOut, encoderAttentionsOut, crossOut, encoderHiddenOut] = groups.map((group) => rest.splice(0, group.length));
    const output: { -readonly [K in keyof ForwardOutput]: ForwardOutput[K] } = { logits: logitsOut };
    if (input.outputAttentions) output.attentions = attentionsOut;
    if (input.outputHiddenStates) output.hiddenStates = hiddenOut;
    if (layerActivation) output.layerActivation = layerOut[0];
    if (input.outputAttentions && input.encoder) {
      output.encoderAttentions = encoderAttentionsOut;
      output.crossAttentions = crossOut;
    }
    if (input.outputHiddenStates && input.encoder) output.encoderHiddenStates = encoderHiddenOut;
    return output;
  }

  return {
    name: 'tfjs',
    config,
    capabilities,

    embed: (inputIds, side) =>
      guarded('embed tokens', async () => {
        checkInputIds(inputIds, config);
        if (side !== undefined && side !== 'encoder' && side !== 'decoder') {
          throw new InvalidInputError(`embed side is ${JSON.stringify(side)}; use 'encoder' or 'decoder'.`, { code: 'INVALID_ARGUMENT' });
        }
        return readOut(tf.tidy(() => model.embed(tf.tensor2d(inputIds.data, [inputIds.shape[0], inputIds.shape[1]], 'int32'), side ?? 'decoder')));
      }),

    layerNames: () => [...layerNames],

    forward: (input) =>
      guarded('run the forward pass', async () => {
        const [batch, seq] = checkForwardInput(input, config, { backend: 'tfjs' });
        checkPassOptions(input, config, layerNames, batch, seq);
        checkRunFitsWasm(wasmMemory, config, 'forward', batch, seq + (input.encoder?.inputIds.shape[1] ?? 0));
        const parts = await inRowChunks(input, config, (chunk) => forwardRows(chunk));
        if (parts.length === 1) return parts[0];
        const joined = (pick: (part: ForwardOutput) => Tensor[] | undefined) =>
          pick(parts[0])?.map((_, i) => concatRows(parts.map((part) => pick(part)![i])));
        return {
          logits: concatRows(parts.map((part) => part.logits)),
          ...(parts[0].attentions && { attentions: joined((part) => part.attentions) }),
          ...(parts[0].hiddenStates && { hiddenStates: joined((part) => part.hiddenStates) }),
          ...(parts[0].layerActivation && { layerActivation: concatRows(parts.map((part) => part.layerActivation!)) }),
          ...(parts[0].encoderAttentions && { encoderAttentions: joined((part) => part.encoderAttentions) }),
          ...(parts[0].crossAttentions && { crossAttentions: joined((part) => part.crossAttentions) }),
          ...(parts[0].encoderHiddenStates && { encoderHiddenStates: joined((part) => part.encoderHiddenStates) }),
        };
      }),

    gradients: (input: GradientInput) =>
      guarded(`compute gradients of '${input.target?.name}'`, async () => {
        if (typeof input.target?.build !== 'function') {
          throw new InvalidInputError('gradients needs a target with a build(ops, logits, targetIds) function, e.g. probability.differentiable from @inseq/core.');
        }
        if (input.inputsEmbeds === undefined) {
          throw new InvalidInputError('gradients needs inputsEmbeds ([batch, sequenceLength, hidden]); get them from backend.embed(inputIds).');
        }
        const [batch, seq, source] = checkForwardInput(input, config, { backend: 'tfjs', call: 'gradients' });
        checkPassOptions(input, config, layerNames, batch, seq);
        if (input.encoder && input.encoder.inputsEmbeds === undefined) {
          throw new InvalidInputError(
            "gradients of an encoder-decoder model need encoder.inputsEmbeds ([batch, sourceLength, hidden]); get them from backend.embed(encoder.inputIds, 'encoder').",
          );
        }
        if (input.rescale !== undefined) checkHiddenShaped(input.rescale.referenceEmbeds, 'rescale.referenceEmbeds', batch, seq, config.hiddenSize);
        if (input.rescale?.encoderReferenceEmbeds !== undefined) {
          checkHiddenShaped(input.rescale.encoderReferenceEmbeds, 'rescale.encoderReferenceEmbeds', batch, source, config.hiddenSize);
        }
        if (input.targetIds.length !== batch) {
          throw new InvalidInputError(`targetIds has ${input.targetIds.length} ids for a batch of ${batch} rows; give one per row.`);
        }
        checkIds(input.targetIds, config.vocabSize, (i) => `targetIds[${i}]`);
        checkRunFitsWasm(wasmMemory, config, 'gradients', batch, seq + source);
        const parts = await inRowChunks(input, config, (chunk) => tfjsGradients(model, chunk, chunk.inputIds.shape[0]));
        if (parts.length === 1) return parts[0];
        const values = new Float32Array(batch);
        let offset = 0;
        for (const part of parts) {
          values.set(part.targetValues, offset);
          offset += part.targetValues.length;
        }
        return {
          gradients: concatRows(parts.map((part) => part.gradients)),
          targetValues: values,
          ...(parts[0].layerActivation && { layerActivation: concatRows(parts.map((part) => part.layerActivation!)) }),
          ...(parts[0].encoderGradients && { encoderGradients: concatRows(parts.map((part) => part.encoderGradients!)) }),
        };
      }),

    async dispose() {
      if (disposed) return;
      disposed = true;
      model.dispose();
    },
  };
}
