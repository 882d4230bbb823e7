import type { IntTensor } from '@inseq/core';
import * as tf from '../../tf';
import { maskedScore } from '../causal-attention-bias';
import type { CausalLmPass } from '../tfjs-causal-lm';

/** What an encoder-decoder pass shares between its stacks: layer taps, dropout, DeepLIFT's references. */
export interface Seq2SeqPassTools {
  /** The layer's output, or what the pass's tap returns for it when it names `name`. */
  at(name: string, output: tf.Tensor3D): tf.Tensor3D;
  /** The tapped layer's output (before the tap replaced it), once the pass has reached it. */
  layerActivation(): tf.Tensor3D | undefined;
  /** Dropout at `rate` in a dropout pass, else `x` itself. */
  drop<T extends tf.Tensor>(x: T, rate: number): T;
  /**
   * An element-wise non-linearity `f` at the next place in model order: records its input for
   * `recordNonlinearityInputs`, applies DeepLIFT's Rescale against `rescaleReferences` when given.
   */
  nonlinearity(x: tf.Tensor3D, plain: (x: tf.Tensor) => tf.Tensor, rescaled: (x: tf.Tensor, reference: tf.Tensor) => tf.Tensor): tf.Tensor3D;
  /** The recorded non-linearity inputs (with `recordNonlinearityInputs`). */
  readonly nonlinearityInputs?: tf.Tensor[];
}

/** The {@link Seq2SeqPassTools} of one pass. */
export function seq2seqPassTools(pass: CausalLmPass): Seq2SeqPassTools {
  const tap = pass.layer;
  let captured: tf.Tensor3D | undefined;
  const nonlinearityInputs: tf.Tensor[] | undefined = pass.recordNonlinearityInputs ? [] : undefined;
  let nonlinearities = 0;
  return {
    at(name, output) {
      if (tap?.name !== name) return output;
      captured = output;
      return tap.apply(output);
    },
    layerActivation: () => captured,
    drop: (x, rate) => (pass.dropout && rate > 0 ? pass.dropout.apply(x, rate) : x),
    nonlinearity(x, plain, rescaled) {
      nonlinearityInputs?.push(x);
      const reference = pass.rescaleReferences?.[nonlinearities++];
      return (reference ? rescaled(x, reference) : plain(x)) as tf.Tensor3D;
    },
    nonlinearityInputs,
  };
}

/** `[batch, 1, 1, keys]`: 0 for real keys, HF's masked score for padding (any side). */
export function keyPaddingBias(mask: IntTensor): tf.Tensor4D {
  const [batch, keys] = mask.shape;
  return tf.tensor4d(
    Float32Array.from(mask.data, (m) => (m === 0 ? maskedScore : 0)),
    [batch, 1, 1, keys],
  );
}

// The pass helpers every port shares.
export { lastColumn, lookup as embedRows, valueMask } from '../pass-tools';
