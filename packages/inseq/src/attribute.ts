import {
  type AttributeOptions,
  type AttributionModel,
  type FeatureAttributionOutput,
  attribute as attributeWith,
} from '@inseq/core';
import { createDefaultRegistries } from './default-registries';

/**
 * `attribute` of `@inseq/core` with the built-in methods and step functions registered, so that
 * methods can be named by id: `attribute(model, 'Hello', { method: 'integrated_gradients' })`.
 */
export async function attribute(
  model: AttributionModel,
  inputTexts: string | readonly string[],
  options: AttributeOptions = {},
): Promise<FeatureAttributionOutput> {
  const registries = options.methods && options.stepFunctions ? undefined : createDefaultRegistries();
  return attributeWith(model, inputTexts, {
    ...options,
    methods: options.methods ?? registries?.methods,
    stepFunctions: options.stepFunctions ?? registries?.stepFunctions,
  });
}
