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
}

/** A scalar per batch row, computed from next-token logits, whose gradient a method attributes. */
export interface DifferentiableTarget {
  readonly name: string;
  /**
   * Returns `[batch]` from `[batch, vocab]` logits and the ids of the tokens being explained.
   * Backends call it with three arguments; the loop binds `options` (`attributed_fn_args`).
   */
  build<T>(ops: TargetOps<T>, logits: T, targetIds: Int32Array, options?: Readonly<Record<string, unknown>>): T;
}
