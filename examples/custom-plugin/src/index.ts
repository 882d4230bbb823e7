import { definePlugin } from '@inseq/core';
import { gradientNorm } from './gradient-norm';
import { targetRank } from './target-rank';

export { gradientNorm } from './gradient-norm';
export { targetRank } from './target-rank';

/** Registers `gradient_norm` and `target_rank`: `inseq attribute --plugin <this module> -a gradient_norm`. */
const plugin = definePlugin({
  name: 'example-custom-plugin',
  register({ methods, stepFunctions }) {
    methods.register(gradientNorm);
    stepFunctions.register(targetRank);
  },
});

export default plugin;
