import {
  type Aggregator,
  type AttributionMethod,
  type Registry,
  type StepFunction,
  createRegistry,
  registerBuiltinStepFunctions,
} from '@inseq/core';
import { registerBuiltinMethods } from '@inseq/methods';
import { registerBuiltinAggregators } from '@inseq/aggregators';

/** Fresh registries holding every built-in method, step function and aggregator. */
export interface DefaultRegistries {
  readonly methods: Registry<AttributionMethod>;
  readonly stepFunctions: Registry<StepFunction>;
  readonly aggregators: Registry<Aggregator>;
}

/** New registries with the built-ins; add plugins to them with `register`. */
export function createDefaultRegistries(): DefaultRegistries {
  return {
    methods: registerBuiltinMethods(createRegistry<AttributionMethod>('attribution method')),
    stepFunctions: registerBuiltinStepFunctions(createRegistry<StepFunction>('step function')),
    aggregators: registerBuiltinAggregators(createRegistry<Aggregator>('aggregator')),
  };
}
