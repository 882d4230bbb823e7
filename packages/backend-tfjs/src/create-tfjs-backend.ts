import {
  BackendError,
  type Capabilities,
  type ForwardInput,
  type GradientInput,
  InseqError,
  InvalidInputError,
  type IntTensor,
  type ModelBackend,
  type Tensor,
} from '@inseq/core';
import * as tf from '@tensorflow/tfjs';
import { checkForwardInput, checkIds, checkInputIds } from './check-forward-input';
import type { TfjsCausalLm } from './models/tfjs-causal-lm';
import { tfjsTargetOps } from './tfjs-target-ops';

const capabilities: Capabilities = Object.freeze({
  forward: true,
  gradients: true,
  attentions: false,
  layerActivations: false,
  hiddenStates: false,
});

/**
 * Wraps a tfjs model as a {@link ModelBackend} named `'tfjs'`: checks inputs, runs each call inside
 * `tf.tidy` so that no tensor outlives it, copies results out as plain tensors, and wraps tfjs
 * failures in {@link BackendError}.
 *
 * @param model - Owned by the backend from now on; `dispose()` frees it.
 */
export function createTfjsBackend(model: TfjsCausalLm): ModelBackend {
  const config = model.config;
  let disposed = false;

  async function guarded<T>(what: string, work: () => Promise<T>): Promise<T> {
    if (disposed) {
      throw new BackendError(`The tfjs backend of this ${config.modelType} model was disposed; load the model again to ${what}.`);
    }
    try {
      return await work();
    } catch (error) {
      if (InseqError.isInstance(error)) throw error;
      throw new BackendError(`tfjs failed to ${what} (${config.modelType}): ${(error as Error)?.message ?? String(error)}`, error);
    }
  }

  const idsTensor = (ids: IntTensor) => tf.tensor2d(ids.data, [ids.shape[0], ids.shape[1]], 'int32');
  const embedsOf = (input: ForwardInput) =>
    input.inputsEmbeds
      ? tf.tensor3d(input.inputsEmbeds.data, [...input.inputsEmbeds.shape] as [number, number, number], 'float32')
      : model.embed(idsTensor(input.inputIds));

  return {
    name: 'tfjs',
    config,
    capabilities,

    embed: (inputIds) =>
      guarded('embed tokens', async () => {
        checkInputIds(inputIds, config);
        return readOut(tf.tidy(() => model.embed(idsTensor(inputIds))));
      }),

    forward: (input) =>
      guarded('run the forward pass', async () => {
        checkForwardInput(input, config);
        return { logits: await readOut(tf.tidy(() => model.lastLogits(embedsOf(input), input.attentionMask))) };
      }),

    gradients: (input: GradientInput) =>
      guarded(`compute gradients of '${input.target?.name}'`, async () => {
        if (typeof input.target?.build !== 'function') {
          throw new InvalidInputError('gradients needs a target with a build(ops, logits, targetIds) function, e.g. probability.differentiable from @inseq/core.');
        }
        if (input.inputsEmbeds === undefined) {
          throw new InvalidInputError('gradients needs inputsEmbeds ([batch, sequenceLength, hidden]); get them from backend.embed(inputIds).');
        }
        const [batch] = checkForwardInput(input, config);
        if (input.targetIds.length !== batch) {
          throw new InvalidInputError(`targetIds has ${input.targetIds.length} ids for a batch of ${batch} rows; give one per row.`);
        }
        checkIds(input.targetIds, config.vocabSize, (i) => `targetIds[${i}]`);
        let failure: { error: unknown } | undefined;
        const { value, grad } = tf.tidy(() => {
          const targetOf = (embeds: tf.Tensor): tf.Tensor => {
            // tf.grad leaks the tensors its tape saved when f throws or y does not depend on x, so
            // f never throws (the error is rethrown after the tape is done) and always adds a zero
            // term that depends on x.
            const zeroOnX = tf.mul(tf.sum(embeds, [1, 2]), 0);
            try {
              const logits = model.lastLogits(embeds as tf.Tensor3D, input.attentionMask);
              const value = input.target.build(tfjsTargetOps, logits, input.targetIds, { contrast: input.contrast });
              if (!(value instanceof tf.Tensor) || value.rank !== 1 || value.shape[0] !== batch) {
                const shape = value instanceof tf.Tensor ? `shape [${value.shape.join(', ')}]` : String(value);
                throw new InvalidInputError(
                  `Target '${input.target.name}' returned ${shape}; a target must return one value per row, [${batch}].`,
                );
              }
              return tf.add(value, zeroOnX);
            } catch (error) {
              failure = { error };
              return zeroOnX;
            }
          };
          // Rows are independent, so the gradient of the (implicit) sum over rows is each row's own.
          return tf.valueAndGrad(targetOf)(embedsOf(input));
        });
        if (failure) {
          value.dispose();
          grad.dispose();
          throw failure.error;
        }
        try {
          const targetValues = (await readOut(value)).data;
          return { gradients: await readOut(grad), targetValues };
        } finally {
          grad.dispose();
        }
      }),

    async dispose() {
      if (disposed) return;
      disposed = true;
      model.dispose();
    },
  };
}

/** Copies a tfjs tensor into a plain float32 {@link Tensor} and frees it. */
async function readOut(tensor: tf.Tensor): Promise<Tensor> {
  try {
    const data = await tensor.data<'float32'>();
    return { data: data instanceof Float32Array ? data : Float32Array.from(data), shape: [...tensor.shape] };
  } finally {
    tensor.dispose();
  }
}
