import { InvalidInputError } from '../errors/invalid-input-error';
import { shapeSize } from '../tensor';
import type { LayerIntervention } from './model-backend';

/** What {@link checkLayerIntervention} checks a layer against. */
export interface CheckLayerInterventionOptions {
  /** The backend's `layerNames()`. */
  readonly layerNames: readonly string[];
  /** `config.modelType`, for messages. */
  readonly modelType: string;
  /** Rows, positions and width the layer's output has: `[batch, length, hidden]` (`length` the source's for an encoder layer). */
  readonly shape: readonly [number, number, number];
  /** Why names of the model's module tree are not offered (e.g. not found in an export's graph), added to the unknown-name message. */
  readonly unavailable?: string;
}

/**
 * Checks the `layer` of a forward or gradient input against the {@link ModelBackend} contract, so
 * every backend refuses a bad one with the same {@link InvalidInputError} (`'INVALID_ARGUMENT'`):
 * its name must be one of `layerNames` (the message lists them), its `override`, when given, must
 * be `[batch, length, hidden]` with as many values.
 */
export function checkLayerIntervention(layer: LayerIntervention, options: CheckLayerInterventionOptions): void {
  if (!options.layerNames.includes(layer.name)) {
    throw new InvalidInputError(
      `layer ${JSON.stringify(layer.name)} is not a layer of this ${options.modelType} model; its layers are: ${options.layerNames.join(', ')}.` +
        (options.unavailable ? ` ${options.unavailable}` : ''),
      { code: 'INVALID_ARGUMENT' },
    );
  }
  const override = layer.override;
  if (override === undefined) return;
  const expected = options.shape;
  if (override.shape.length !== 3 || override.shape.some((dim, i) => dim !== expected[i]) || override.data.length !== shapeSize(expected)) {
    throw new InvalidInputError(
      `layer.override (${layer.name}) has shape [${override.shape.join(', ')}] (${override.data.length} values); it must be [${expected.join(', ')}] ([batch, sequenceLength, hidden]).`,
      { code: 'INVALID_ARGUMENT' },
    );
  }
}
