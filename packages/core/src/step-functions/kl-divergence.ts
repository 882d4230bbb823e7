import { defineOptions, parseOptions } from '../contracts/option-spec';
import { defineStepFunction } from '../contracts/step-function';
import { filterMask, logSoftmaxRowAll, logitsRow, perRow } from './logits-rows';

const MASKED = -1e9;

const options = defineOptions({
  top_k: { type: 'number', default: 0, integer: true, min: 0, description: "Keep only the contrastive distribution's k most likely tokens (0: all)." },
  top_p: { type: 'number', default: 1, above: 0, max: 1, description: "Keep the contrastive distribution's top-p nucleus (1: all)." },
  min_tokens_to_keep: { type: 'number', default: 1, integer: true, min: 1, description: 'Keep at least this many tokens after top_k / top_p.' },
});

/** The bound options (parsed by the loop; a direct build without them gets the defaults). */
function filterOptions(given: Readonly<Record<string, unknown>> | undefined) {
  const parsed = parseOptions("Step function 'kl_divergence'", given ?? {}, options);
  return { topK: parsed.top_k, topP: parsed.top_p, minTokensToKeep: parsed.min_tokens_to_keep };
}

/**
 * KL(P ‖ Q) between the next-token distribution P and the one in the contrastive context Q
 * (Inseq `kl_divergence`), in nats. `top_p` then `top_k` (and `min_tokens_to_keep`) select the
 * tokens of Q's nucleus; both distributions are renormalised over them, as Inseq does.
 */
export const klDivergence = defineStepFunction({
  name: 'kl_divergence',
  description: 'KL divergence of the contrastive-context distribution from the original (nats); options top_k, top_p, min_tokens_to_keep.',
  options,
  compute: (ctx) => {
    const contrastLogits = ctx.contrast?.contextLogits ?? ctx.logits;
    return perRow(ctx.logits.shape[0], (b) => {
      const q = logitsRow(contrastLogits, b);
      const keep = filterMask(q, filterOptions(ctx.options));
      const logP = logSoftmaxRowAll(logitsRow(ctx.logits, b), keep);
      const logQ = logSoftmaxRowAll(q, keep);
      let kl = 0;
      for (let v = 0; v < keep.length; v++) if (keep[v]) kl += Math.exp(logP[v]) * (logP[v] - logQ[v]);
      return kl;
    });
  },
  differentiable: {
    name: 'kl_divergence',
    build: (ops, logits, targetIds, context) => {
      const contextLogits = context?.contrast?.contextLogits;
      const batch = targetIds.length;
      // Q in the row's own context is P itself: the divergence is 0 with zero gradient.
      if (!contextLogits) return ops.mul(ops.sum(logits), ops.constant(new Float32Array(batch), [batch]));
      const vocab = contextLogits.shape[1];
      const offsets = new Float32Array(batch * vocab);
      const logQ = new Float32Array(batch * vocab);
      for (let b = 0; b < batch; b++) {
        const q = logitsRow(contextLogits, b);
        const keep = filterMask(q, filterOptions(context?.options));
        const logQRow = logSoftmaxRowAll(q, keep);
        for (let v = 0; v < vocab; v++) {
          offsets[b * vocab + v] = keep[v] ? 0 : MASKED;
          logQ[b * vocab + v] = keep[v] ? logQRow[v] : 0;
        }
      }
      const masked = ops.add(logits, ops.constant(offsets, [batch, vocab]));
      const logP = ops.logSoftmax(masked);
      return ops.sum(ops.mul(ops.softmax(masked), ops.sub(logP, ops.constant(logQ, [batch, vocab]))));
    },
  },
});
