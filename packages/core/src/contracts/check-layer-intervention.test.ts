import { describe, expect, it } from 'vitest';
import { checkLayerIntervention } from './check-layer-intervention';

const options = { layerNames: ['transformer.wte', 'transformer.h.0'], modelType: 'gpt2', shape: [2, 3, 4] as const };

describe('checkLayerIntervention', () => {
  it('accepts a listed layer, with or without an override of the layer output shape', () => {
    expect(() => checkLayerIntervention({ name: 'transformer.h.0' }, options)).not.toThrow();
    expect(() => checkLayerIntervention({ name: 'transformer.wte', override: { data: new Float32Array(24), shape: [2, 3, 4] } }, options)).not.toThrow();
  });

  it('refuses an unknown name listing the valid ones and why others are missing', () => {
    expect(() => checkLayerIntervention({ name: 'transformer.h.9' }, { ...options, unavailable: 'Not found in model.onnx: transformer.ln_f.' })).toThrow(
      expect.objectContaining({
        name: 'InvalidInputError',
        code: 'INVALID_ARGUMENT',
        message: 'layer "transformer.h.9" is not a layer of this gpt2 model; its layers are: transformer.wte, transformer.h.0. Not found in model.onnx: transformer.ln_f.',
      }),
    );
  });

  it('refuses an override of another shape, naming the expected one', () => {
    expect(() => checkLayerIntervention({ name: 'transformer.h.0', override: { data: new Float32Array(12), shape: [1, 3, 4] } }, options)).toThrow(
      /layer\.override \(transformer\.h\.0\) has shape \[1, 3, 4\] \(12 values\); it must be \[2, 3, 4\]/,
    );
  });
});
