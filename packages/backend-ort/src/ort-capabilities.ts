import type { Capabilities } from '@inseq/core';

/** What the ort backend offers on a plain export: next-token logits only (no autodiff, no internals in the graph). */
export const ortCapabilities: Capabilities = Object.freeze({
  forward: true,
  gradients: false,
  attentions: false,
  layerActivations: false,
  hiddenStates: false,
});
