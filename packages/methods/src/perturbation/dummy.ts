import { defineMethod, parseOptions } from '@inseq/core';

/**
 * Inseq's `dummy` (`DummyAttribution`): no attributions at all, for runs that only want step
 * scores (`stepScores`): no forward or backward pass of its own, and `target_attributions` is
 * `null`. No options.
 */
export const dummy = defineMethod({
  name: 'dummy',
  family: 'perturbation',
  requires: [],
  // Step scores only: no pass of its own, so no embeddings either (runs on any ONNX export).
  embeddings: 'never',
  description: 'No attributions, only step scores.',
  async attributeStep() {
    return {};
  },
});
