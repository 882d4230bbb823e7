import { type GradientInput, type GradientOutput, InvalidInputError } from '@inseq/core';
import * as tf from './tf';
import { layerStack } from './check-pass-options';
import type { LayerTap, TfjsCausalLm } from './models/tfjs-causal-lm';
import { passFromInput, tensor3d } from './pass-from-input';
import { readOut } from './read-out';
import { tfjsTargetOps } from './tfjs-target-ops';

/**
 * `input.target` at next-token logits and its gradient, for a checked {@link GradientInput} of
 * `batch` rows. Rows are independent, so the gradient of the (implicit) sum over rows is each
 * row's own.
 *
 * - Without `layer`: d target / d inputsEmbeds.
 * - With `layer`: d target / d (that layer's output), at `layer.override` when given (the override
 *   replaces the output), else at the output itself (a zero tensor added to it is differentiated).
 *   An encoder-decoder layer belongs to one stack: an encoder layer's gradient is `[batch,
 *   sourceLength, hidden]`; the source embeddings are then not differentiated.
 *   `layerActivation` is the output the layer computed, before any override.
 * - With `rescale` (DeepLIFT, Shrikumar et al. 2017, as Captum's `DeepLift`): a reference pass
 *   on `referenceEmbeds` (same mask, value zeroing and dropout masks; no tape) records the input
 *   of every MLP activation; the differentiated pass replaces each activation's derivative with
 *   the Rescale multiplier against it (see `rescaledActivation`). The returned gradients are the
 *   multipliers; methods multiply them by (x − x′) themselves. Softmax, LayerNorm, the attention
 *   products and the target keep their plain gradients, as in Captum, which hooks only the
 *   `nn.Module`s in its `SUPPORTED_NON_LINEAR` (ReLU, ELU, LeakyReLU, Sigmoid, Tanh, Softplus,
 *   MaxPool, `nn.Softmax`), and not HF GPT-2's functional softmax or its `nn.LayerNorm`.
 *   Deliberate difference: HF's `NewGELUActivation` (`gelu_new`) and `GELUActivation` are not in
 *   that list, so Captum leaves GPT-2's only element-wise non-linearity with its plain gradient
 *   (its DeepLIFT there is gradient × (x − x′)); here every activation is rescaled, which is what
 *   the Rescale rule asks for (for `relu` both agree). Captum runs input and reference as one
 *   batch through forward and backward; the reference's backward is never read, so it runs
 *   forward only: the input rows' multipliers are the same.
 */
export async function tfjsGradients(model: TfjsCausalLm, input: GradientInput, batch: number): Promise<GradientOutput> {
  if (input.logitsAt === 'all') {
    throw new InvalidInputError("gradients reads next-token logits; logitsAt 'all' is for forward only.", { code: 'INVALID_ARGUMENT' });
  }
  let failure: { error: unknown } | undefined;
  let activation: tf.Tensor | undefined;
  let outputs: { value: tf.Tensor; grads: tf.Tensor[] } | undefined;
  // Encoder-decoder without a layer: differentiate with respect to the source embeddings too.
  const withEncoder = input.encoder?.inputsEmbeds !== undefined && !input.layer;
  try {
    outputs = tf.tidy(() => {
      const references = input.rescale
        ? tf.tidy(() => {
            const pass = passFromInput(model, input, {
              inputsEmbeds: input.rescale!.referenceEmbeds,
              ...(input.rescale!.encoderReferenceEmbeds && { encoderEmbeds: input.rescale!.encoderReferenceEmbeds }),
            });
            return model.run({ ...pass, outputAttentions: false, outputHiddenStates: false, recordNonlinearityInputs: true }).nonlinearityInputs!;
          })
        : undefined;
      const override = input.layer?.override && tensor3d(input.layer.override);
      // The tensor differentiated: the embeddings, the override, or a zero tensor added to the layer.
      const variable = input.layer ? (override ?? tf.zeros(layerShape(input))) : undefined;

      const targetOf = (x: tf.Tensor, source?: tf.Tensor): tf.Tensor => {
        // tf.grad leaks the tensors its tape saved when f throws or y does not depend on x, so
        // f never throws (the error is rethrown after the tape is done) and always adds a zero
        // term that depends on x (and on the source).
        let zeroOnX = tf.mul(tf.sum(x, [1, 2]), 0);
        if (source) zeroOnX = tf.add(zeroOnX, tf.mul(tf.sum(source, [1, 2]), 0));
        try {
          const tap: LayerTap | undefined = input.layer && {
            name: input.layer.name,
            apply: (output) => {
              // tf.grad frees f's tensors; the activation is kept (and freed by the caller).
              activation = tf.keep(tf.clone(output));
              return override ? (x as tf.Tensor3D) : tf.add(output, x);
            },
          };
          const pass = passFromInput(model, input, { tap });
          const { logits } = model.run({
            ...pass,
            ...(source && pass.encoder && { encoder: { ...pass.encoder, inputsEmbeds: source as tf.Tensor3D } }),
            inputsEmbeds: variable ? pass.inputsEmbeds : (x as tf.Tensor3D),
            outputAttentions: false,
            outputHiddenStates: false,
            rescaleReferences: references,
          });
          const value = input.target.build(tfjsTargetOps, logits, input.targetIds, { contrast: input.contrast });
          if (!(value instanceof tf.Tensor) || value.rank !== 1 || value.shape[0] !== batch) {
            const shape = value instanceof tf.Tensor ? `shape [${value.shape.join(', ')}]` : String(value);
            throw new InvalidInputError(`Target '${input.target.name}' returned ${shape}; a target must return one value per row, [${batch}].`);
          }
          return tf.add(value, zeroOnX);
        } catch (error) {
          failure = { error };
          return zeroOnX;
        }
      };
      if (withEncoder) {
        const { value, grads } = tf.valueAndGrads((x: tf.Tensor, source: tf.Tensor) => targetOf(x, source))([
          tensor3d(input.inputsEmbeds),
          tensor3d(input.encoder!.inputsEmbeds!),
        ]);
        return { value, grads };
      }
      const { value, grad } = tf.valueAndGrad((x: tf.Tensor) => targetOf(x))(variable ?? tensor3d(input.inputsEmbeds));
      return { value, grads: [grad] };
    });
  } catch (error) {
    activation?.dispose();
    throw error;
  }
  const { value, grads } = outputs;
  if (failure) {
    tf.dispose([value, ...grads, ...(activation ? [activation] : [])]);
    throw failure.error;
  }
  try {
    const targetValues = (await readOut(value)).data;
    const gradients = await readOut(grads[0]);
    const encoderGradients = grads[1] && (await readOut(grads[1]));
    return {
      gradients,
      targetValues,
      ...(activation && { layerActivation: await readOut(activation) }),
      ...(encoderGradients && { encoderGradients }),
    };
  } finally {
    tf.dispose([value, ...grads, ...(activation ? [activation] : [])]);
  }
}

/** `[batch, length, hidden]` of `input.layer`'s output: an encoder layer spans the source. */
function layerShape(input: GradientInput): [number, number, number] {
  const [batch, length, hidden] = input.inputsEmbeds.shape;
  const source = input.encoder && layerStack(input.layer!.name) === 'encoder' ? input.encoder.inputIds.shape[1] : length;
  return [batch, source, hidden];
}
