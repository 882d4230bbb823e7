import { describe, expect, it } from 'vitest';
import { parseOptions } from './parse-options';

const spec = {
  n_steps: { type: 'number', default: 50, integer: true, min: 1 },
  method: { type: 'string', default: 'gausslegendre', values: ['gausslegendre', 'riemann_left'] },
  abs: { type: 'boolean' },
} as const;

describe('parseOptions', () => {
  it('fills defaults and keeps given values', () => {
    expect(parseOptions('ig', {}, spec)).toEqual({ n_steps: 50, method: 'gausslegendre' });
    expect(parseOptions('ig', { n_steps: 3, abs: false }, spec)).toEqual({ n_steps: 3, method: 'gausslegendre', abs: false });
  });
  it('names unknown keys and the allowed ones', () => {
    expect(() => parseOptions('ig', { nsteps: 3 }, spec)).toThrow("ig has no option 'nsteps'. Its options are: n_steps, method, abs.");
  });
  it('rejects wrong types and values', () => {
    expect(() => parseOptions('ig', { n_steps: 2.5 }, spec)).toThrow(/must be an integer/);
    expect(() => parseOptions('ig', { n_steps: 0 }, spec)).toThrow(/>= 1/);
    expect(() => parseOptions('ig', { method: 'simpson' }, spec)).toThrow(/one of 'gausslegendre', 'riemann_left'/);
    expect(() => parseOptions('ig', { abs: 'yes' }, spec)).toThrow(/true or false/);
  });
});
