import { defineOptions } from '@inseq/core';
import { BASELINES } from './baseline-embeddings';
import { INTEGRATION_METHODS } from './integration-rule';
import { MAX_ROWS_PER_STEP } from '../cost-limits';

/**
 * Options shared by the path-integral methods (integrated gradients, its sequential and layer
 * variants), with Captum's defaults: 50 Gauss–Legendre points, all in one backend call, from the
 * UNK baseline (Inseq), multiplied by (input − baseline), no convergence delta.
 */
export const pathIntegralOptions = defineOptions({
  n_steps: { type: 'number', default: 50, integer: true, min: 1, max: MAX_ROWS_PER_STEP, description: 'Points on the path from the baseline to the input (Captum n_steps).' },
  method: { type: 'string', default: 'gausslegendre', values: INTEGRATION_METHODS, description: 'Integration rule: Gauss–Legendre (Captum default) or a Riemann sum.' },
  internal_batch_size: { type: 'number', integer: true, min: 1, description: 'Rows per backend call (default: all at once).' },
  baselines: { type: 'string', default: 'unk', values: BASELINES, description: 'Baseline token: unk (Inseq), zeros (zero embeddings) or pad.' },
  multiply_by_inputs: { type: 'boolean', default: true, description: 'Multiply by (input − baseline); false keeps the plain integrated gradient.' },
  return_convergence_delta: { type: 'boolean', default: false, description: 'Add the step score deltas = Σ attributions − (F(input) − F(baseline)).' },
});
