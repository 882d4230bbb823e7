import type { AttributionMethod, Registry } from '@inseq/core';
import { inputXGradient } from './gradient/input-x-gradient';
import { integratedGradients } from './gradient/integrated-gradients';
import { saliency } from './gradient/saliency';

/** Every built-in method, in listing order. */
export const builtinMethods: readonly AttributionMethod[] = [saliency, inputXGradient, integratedGradients];

/** Adds the built-in methods to `registry` (explicitly: importing this package registers nothing). */
export function registerBuiltinMethods(registry: Registry<AttributionMethod>): Registry<AttributionMethod> {
  for (const method of builtinMethods) registry.register(method);
  return registry;
}
