import type { Tensor } from '@inseq/core';
import type * as tf from './tf';

/** Copies a tfjs tensor into a plain float32 {@link Tensor} and frees it. */
export async function readOut(tensor: tf.Tensor): Promise<Tensor> {
  try {
    const data = await tensor.data<'float32'>();
    return { data: data instanceof Float32Array ? data : Float32Array.from(data), shape: [...tensor.shape] };
  } finally {
    tensor.dispose();
  }
}

/**
 * {@link readOut} of each tensor, in order; every one is freed, even when a read fails. A tensor
 * listed twice (a captured layer that is also a hidden state) is read once and copied, so that no
 * two results share their data.
 */
export async function readOutAll(tensors: readonly tf.Tensor[]): Promise<Tensor[]> {
  const read: Tensor[] = [];
  const seen = new Map<tf.Tensor, Tensor>();
  try {
    for (const tensor of tensors) {
      const earlier = seen.get(tensor);
      const out = earlier ? { data: earlier.data.slice(), shape: [...earlier.shape] } : await readOut(tensor);
      seen.set(tensor, out);
      read.push(out);
    }
    return read;
  } finally {
    for (const tensor of tensors) tensor.dispose();
  }
}
