import { parseMethodOptions } from '@inseq/core';
import { describe, expect, it } from 'vitest';
import { MAX_ROWS_PER_STEP } from './cost-limits';
import { builtinMethods } from './register-builtin-methods';

describe('per-step cost limits', () => {
  const methods = builtinMethods;
  const limited = methods.flatMap((method) =>
    (['n_steps', 'n_samples'] as const).filter((key) => Object.hasOwn(method.options ?? {}, key)).map((key) => [method, key] as const),
  );

  it('every method with n_steps or n_samples declares the limit', () => {
    expect(limited.map(([method, key]) => `${method.name}.${key}`).sort()).toEqual([
      'discretized_integrated_gradients.n_steps',
      'gradient_shap.n_samples',
      'integrated_gradients.n_steps',
      'layer_integrated_gradients.n_steps',
      'lime.n_samples',
      'sequential_integrated_gradients.n_steps',
    ]);
  });

  it('refuses n_steps: 1e9 before any work, naming the limit; accepts the limit itself', () => {
    for (const [method, key] of limited) {
      expect(() => parseMethodOptions(method, { [key]: 1e9 })).toThrow(`${method.name} option '${key}' must be <= ${MAX_ROWS_PER_STEP}, got 1000000000.`);
      expect(parseMethodOptions(method, { [key]: MAX_ROWS_PER_STEP })).toMatchObject({ [key]: MAX_ROWS_PER_STEP });
    }
  });
});
