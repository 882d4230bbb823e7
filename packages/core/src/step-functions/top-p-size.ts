import { defineStepFunction } from '../contracts/step-function';
import { filterMask, logitsRow, perRow } from './logits-rows';

/**
 * Size of the nucleus: how many tokens top-p sampling with `top_p` would keep (Inseq
 * `top_p_size`, Hugging Face's `TopPLogitsWarper` rule, at least one token).
 */
export const topPSize = defineStepFunction({
  name: 'top_p_size',
  description: 'Number of tokens in the top-p nucleus of the next-token distribution; option top_p (required).',
  options: {
    top_p: { type: 'number', required: true, above: 0, max: 1, description: 'The nucleus probability mass, in (0, 1], e.g. 0.9.' },
  },
  compute: ({ logits, options }) => {
    const topP = options.top_p;
    return perRow(logits.shape[0], (b) => filterMask(logitsRow(logits, b), { topP }).reduce((n, k) => n + k, 0));
  },
});
