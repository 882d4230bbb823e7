import { BASELINES } from './baseline-embeddings';
import { INTEGRATION_METHODS } from './integration-rule';

/**
 * Options shared by the path-integral methods (integrated gradients, its sequential and layer
 * variants), with Captum's defaults: 50 Gauss–Legendre points, all in one backend call, from the
 * UNK baseline (Inseq), multiplied by (input − baseline), no convergence delta.
 */
export const pathIntegralOptions = {
  n_steps: { type: 'number', default: 50, integer: true, min: 1 },
  method: { type: 'string', default: 'gausslegendre', values: INTEGRATION_METHODS },
  internal_batch_size: { type: 'number', integer: true, min: 1 },
  baselines: { type: 'string', default: 'unk', values: BASELINES },
  multiply_by_inputs: { type: 'boolean', default: true },
  return_convergence_delta: { type: 'boolean', default: false },
} as const;
