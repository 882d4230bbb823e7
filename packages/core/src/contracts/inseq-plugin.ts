import type { Registry } from '../registry';
import type { Aggregator } from './aggregator';
import type { AttributionMethod } from './attribution-method';
import type { StepFunction } from './step-function';

/** The registries a plugin adds its methods, step functions and aggregators to. */
export interface PluginRegistries {
  readonly methods: Registry<AttributionMethod>;
  readonly stepFunctions: Registry<StepFunction>;
  readonly aggregators: Registry<Aggregator>;
}

/**
 * A bundle of custom methods, step functions and aggregators. A module that default-exports one
 * (or exports it as `plugin`) can be loaded by the CLI with `--plugin <module>`, after which its
 * ids work like the built-in ones.
 */
export interface InseqPlugin {
  readonly name: string;
  register(registries: PluginRegistries): void;
}

/** Identity helper that types a plugin object. */
export function definePlugin(plugin: InseqPlugin): InseqPlugin {
  return plugin;
}
