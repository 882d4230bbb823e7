import { InvalidInputError } from '../errors/invalid-input-error';
import { defineStepFunction } from '../contracts/step-function';
import { filterMask, logitsRow, perRow } from './logits-rows';

/**
 * Size of the nucleus: how many tokens top-p sampling with `top_p` would keep (Inseq
 * `top_p_size`, Hugging Face's `TopPLogitsWarper` rule, at least one token).
 */
export const topPSize = defineStepFunction({
  name: 'top_p_size',
  description: 'Number of tokens in the top-p nucleus of the next-token distribution; option top_p (required).',
  compute: ({ logits, options }) => {
    const topP = options.top_p;
    if (typeof topP !== 'number' || !(topP > 0 && topP <= 1)) {
      throw new InvalidInputError(`top_p_size needs option top_p in (0, 1], got ${JSON.stringify(topP)}; e.g. { "top_p": 0.9 }.`, { code: 'INVALID_ARGUMENT' });
    }
    return perRow(logits.shape[0], (b) => filterMask(logitsRow(logits, b), { topP }).reduce((n, k) => n + k, 0));
  },
});
