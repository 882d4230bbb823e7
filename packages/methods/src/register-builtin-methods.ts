import type { AttributionMethod, Registry } from '@inseq/core';
import { inputXGradient } from './gradient/input-x-gradient';
import { integratedGradients } from './gradient/integrated-gradients';
import { saliency } from './gradient/saliency';
import { deeplift } from './gradient/deeplift';
import { discretizedIntegratedGradients } from './gradient/discretized-integrated-gradients';
import { gradientShap } from './gradient/gradient-shap';
import { sequentialIntegratedGradients } from './gradient/sequential-integrated-gradients';
import { layerDeeplift } from './layer/layer-deeplift';
import { layerGradientXActivation } from './layer/layer-gradient-x-activation';
import { layerIntegratedGradients } from './layer/layer-integrated-gradients';
import { attention } from './attention/attention';
import { attentionRollout } from './attention/attention-rollout';
import { dummy } from './perturbation/dummy';
import { lime } from './perturbation/lime';
import { occlusion } from './perturbation/occlusion';
import { reagent } from './perturbation/reagent';
import { valueZeroing } from './perturbation/value-zeroing';

/** Every built-in method, in listing order. */
export const builtinMethods: readonly AttributionMethod[] = [
  saliency,
  inputXGradient,
  integratedGradients,
  deeplift,
  gradientShap,
  sequentialIntegratedGradients,
  discretizedIntegratedGradients,
  layerIntegratedGradients,
  layerGradientXActivation,
  layerDeeplift,
  attention,
  attentionRollout,
  occlusion,
  lime,
  valueZeroing,
  reagent,
  dummy,
];

/** Adds the built-in methods to `registry` (explicitly: importing this package registers nothing). */
export function registerBuiltinMethods(registry: Registry<AttributionMethod>): Registry<AttributionMethod> {
  for (const method of builtinMethods) registry.register(method);
  return registry;
}
