import type { Tensor } from '../tensor';

/**
 * The few tensor operations a differentiable target is written in. Each backend implements them
 * with its own autodiff tensors (`T`), so one target definition serves every backend.
 * Shapes: `logits` is `[batch, vocab]`; a target returns `[batch]`.
 */
export interface TargetOps<T> {
  softmax(logits: T): T;
  logSoftmax(logits: T): T;
  /** `x[b, ids[b]]` for a `[batch, vocab]` x: `[batch]`. */
  gather(x: T, ids: Int32Array): T;
  add(a: T, b: T): T;
  sub(a: T, b: T): T;
  mul(a: T, b: T): T;
  exp(x: T): T;
  log(x: T): T;
  neg(x: T): T;
  /** Sum over the last axis. */
  sum(x: T): T;
  /** A constant (no gradient flows into it), e.g. a mask or a contrastive probability. */
  constant(values: Float32Array, shape: readonly number[]): T;
}

/**
 * The contrastive alternative of each row (contrastive attribution, Yin & Neubig 2022): the
 * alternative token and, when it is scored in another context than the row's own prefix, the
 * logits of that context. Without `contextLogits` the alternative shares the row's context and is
 * read from the same (differentiable) logits.
 */
export interface ContrastRows {
  /** Token id of the alternative, `[batch]`. */
  readonly ids: Int32Array;
  /** Next-token logits in the contrastive context, `[batch, vocab]`; a constant for gradients. */
  readonly contextLogits?: Tensor;
}

/** Rows `indices` of `rows` (in that order), for methods that expand or reorder a batch. */
export function selectContrastRows(rows: ContrastRows, indices: ArrayLike<number>): ContrastRows {
  const ids = Int32Array.from(indices, (i) => rows.ids[i]);
  if (!rows.contextLogits) return { ids };
  const vocab = rows.contextLogits.shape[1];
  const data = new Float32Array(indices.length * vocab);
  for (let r = 0; r < indices.length; r++) {
    data.set(rows.contextLogits.data.subarray(indices[r] * vocab, (indices[r] + 1) * vocab), r * vocab);
  }
  return { ids, contextLogits: { data, shape: [indices.length, vocab] } };
}

/** What a target sees besides the logits: bound options and per-row contrastive data. */
export interface TargetContext {
  /** The step function's options (`attributed_fn_args`), bound by the loop. */
  readonly options?: Readonly<Record<string, unknown>>;
  /** Rows of the contrastive alternative, passed through by the backend from `GradientInput.contrast`. */
  readonly contrast?: ContrastRows;
}

/** A scalar per batch row, computed from next-token logits, whose gradient a method attributes. */
export interface DifferentiableTarget {
  readonly name: string;
  /** Returns `[batch]` from `[batch, vocab]` logits and the ids of the tokens being explained. */
  build<T>(ops: TargetOps<T>, logits: T, targetIds: Int32Array, context?: TargetContext): T;
}
