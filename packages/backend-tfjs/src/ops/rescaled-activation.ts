import * as tf from '../tf';
import type { ElementwiseActivation } from './activations';

/**
 * Below this |x − x′| the Rescale multiplier falls back to f′(x). Captum's `DeepLift` uses
 * `eps=1e-10`, which in float32 lets through differences of a few ulps, whose secant
 * (f(x) − f(x′)) / (x − x′) is rounding noise; from 1e-6 on the secant is within a few percent, and
 * the contribution it scales, multiplier · (x − x′), is as small as the difference.
 */
export const rescaleEpsilon = 1e-6;

/**
 * f(x) whose backward pass uses DeepLIFT's Rescale rule (Shrikumar et al. 2017) against a
 * reference input x′: the multiplier (f(x) − f(x′)) / (x − x′) in place of f′(x), or f′(x) where
 * |x − x′| < {@link rescaleEpsilon}, as Captum's `nonlinear` backward hook
 * (`captum/attr/_core/deep_lift.py`). The forward value is f(x) itself.
 *
 * @param x - Any shape.
 * @param reference - x′, the same shape; a constant (no gradient flows into it).
 */
export function rescaledActivation(activation: ElementwiseActivation, x: tf.Tensor, reference: tf.Tensor): tf.Tensor {
  const op = tf.customGrad((input, save) => {
    const x = input as tf.Tensor;
    const { value, saved } = activation.evaluate(x);
    const deltaIn = tf.sub(x, reference);
    const close = tf.less(tf.abs(deltaIn), rescaleEpsilon);
    const secant = tf.div(tf.sub(value, activation.evaluate(reference).value), tf.where(close, tf.onesLike(deltaIn), deltaIn));
    // The multiplier depends on x and x′ only, so it is computed here and is all the backward keeps.
    (save as tf.GradSaveFunc)([tf.where(close, activation.derivative(saved), secant)]);
    return { value, gradFunc: (dy: tf.Tensor, [multiplier]: tf.Tensor[]) => tf.mul(dy, multiplier) };
  });
  return op(x) as tf.Tensor;
}
