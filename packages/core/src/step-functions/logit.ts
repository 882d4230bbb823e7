import { defineStepFunction } from '../contracts/step-function';

/** Raw logit of the target token (Inseq `logit`). */
export const logit = defineStepFunction({
  name: 'logit',
  description: 'Logit of the target token.',
  compute({ logits, targetIds }) {
    const [batch, vocab] = logits.shape;
    const out = new Float32Array(batch);
    for (let b = 0; b < batch; b++) out[b] = logits.data[b * vocab + targetIds[b]];
    return out;
  },
  differentiable: {
    name: 'logit',
    build: (ops, logits, targetIds) => ops.gather(logits, targetIds),
  },
});
