import { createDefaultRegistries, describeOptions } from 'inseq';
import { describe, expect, it } from 'vitest';
import { fieldsFromOptions, optionFields, optionsFromFields } from './option-form';

const { methods } = createDefaultRegistries();
const fieldsOf = (id: string) => optionFields(describeOptions(methods.get(id).options));

describe('the option form is generated from the method’s spec', () => {
  it('makes a field per option with the right kind, range and choices', () => {
    const fields = fieldsOf('integrated_gradients');
    expect(fields.map((f) => [f.option.name, f.kind])).toEqual([
      ['n_steps', 'number'],
      ['method', 'choice'],
      ['internal_batch_size', 'number'],
      ['baselines', 'choice'],
      ['multiply_by_inputs', 'boolean'],
      ['return_convergence_delta', 'boolean'],
    ]);
    expect(fields[0]).toMatchObject({ min: 1, step: '1' });
    expect(fields[1]).toMatchObject({ values: ['gausslegendre', 'riemann_trapezoid', 'riemann_left', 'riemann_right', 'riemann_middle'] });
    expect(fieldsOf('lime').find((f) => f.option.name === 'mask_prob')).toMatchObject({ min: 0, max: 1, step: 'any' });
    expect(fieldsOf('gradient_shap').find((f) => f.option.name === 'baselines')?.kind).toBe('json');
    expect(fieldsOf('attention')).toEqual([]);
  });
  it('reads only what the user set, typed, and round-trips', () => {
    const fields = fieldsOf('integrated_gradients');
    const options = optionsFromFields(fields, { n_steps: '8', method: 'riemann_left', multiply_by_inputs: 'false', baselines: '' });
    expect(options).toEqual({ n_steps: 8, method: 'riemann_left', multiply_by_inputs: false });
    expect(optionsFromFields(fields, fieldsFromOptions(fields, options))).toEqual(options);
    expect(() => optionsFromFields(fields, { n_steps: 'eight' })).toThrow("Option n_steps must be a number, got 'eight'.");
    const shap = fieldsOf('gradient_shap');
    expect(optionsFromFields(shap, { baselines: '["unk", "zeros"]' })).toEqual({ baselines: ['unk', 'zeros'] });
    expect(optionsFromFields(shap, { baselines: 'unk' })).toEqual({ baselines: 'unk' });
  });
});
