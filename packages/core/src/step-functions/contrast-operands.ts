import type { TargetContext, TargetOps } from '../contracts/differentiable-target';

/**
 * The differentiable view of the contrastive alternative: its ids, and the logits it is read from
 * (the row's own, differentiable, when it shares the context; a constant otherwise).
 */
export function contrastOperands<T>(
  ops: TargetOps<T>,
  logits: T,
  targetIds: Int32Array,
  context?: TargetContext,
): { ids: Int32Array; logits: T } {
  const contrast = context?.contrast;
  if (!contrast) return { ids: targetIds, logits };
  if (!contrast.contextLogits) return { ids: contrast.ids, logits };
  return { ids: contrast.ids, logits: ops.constant(contrast.contextLogits.data, contrast.contextLogits.shape) };
}
