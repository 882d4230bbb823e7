import { describe, expect, expectTypeOf, it } from 'vitest';
import { closestName, editDistance } from './closest-name';
import { defineOptions, describeOptions, jsonOption, parseOptions } from './option-spec';

const spec = defineOptions({
  n_steps: { type: 'number', default: 50, integer: true, min: 1, description: 'Points of the path.' },
  method: { type: 'string', default: 'gausslegendre', values: ['gausslegendre', 'riemann_left'], description: 'Integration rule.' },
  abs: { type: 'boolean', description: 'Absolute values.' },
  top_p: { type: 'number', above: 0, max: 1, description: 'Nucleus mass.' },
  span: jsonOption({
    expected: 'a pair [start, end] of integers, or one integer',
    parse: (v): [number, number] | undefined =>
      Number.isInteger(v) ? [v as number, (v as number) + 1] : Array.isArray(v) && v.length === 2 && v.every(Number.isInteger) ? [v[0], v[1]] : undefined,
    description: 'A span.',
  }),
});

describe('parseOptions', () => {
  it('fills defaults, keeps given values and infers the types from the spec', () => {
    const parsed = parseOptions('ig', {}, spec);
    expect(parsed).toEqual({ n_steps: 50, method: 'gausslegendre' });
    expectTypeOf(parsed.n_steps).toEqualTypeOf<number>();
    expectTypeOf(parsed.method).toEqualTypeOf<'gausslegendre' | 'riemann_left'>();
    expectTypeOf(parsed.abs).toEqualTypeOf<boolean | undefined>();
    expectTypeOf(parsed.span).toEqualTypeOf<[number, number] | undefined>();
    expect(parseOptions('ig', { n_steps: 3, abs: false, span: [1, 2] }, spec)).toEqual({ n_steps: 3, method: 'gausslegendre', abs: false, span: [1, 2] });
    expect(parseOptions('ig', { span: 4 }, spec).span).toEqual([4, 5]); // parse normalises
  });
  it('names an unknown key, the closest known one and all of them', () => {
    expect(() => parseOptions('ig', { nsteps: 3 }, spec)).toThrow(
      "ig has no option 'nsteps'. Did you mean 'n_steps'? Its options are: n_steps, method, abs, top_p, span.",
    );
    expect(() => parseOptions('ig', { nSteps: 3 }, spec)).toThrow(/Did you mean 'n_steps'\?/);
    expect(() => parseOptions('ig', { zzzzzz: 3 }, spec)).toThrow("ig has no option 'zzzzzz'. Its options are:");
  });
  it('treats keys that name Object.prototype members as unknown, never as options', () => {
    for (const key of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
      expect(() => parseOptions('ig', JSON.parse(`{"${key}": 1}`), spec)).toThrow(`ig has no option '${key}'.`);
    }
  });
  it('refuses options that are not an object', () => {
    expect(() => parseOptions('ig', null, spec)).toThrow('Options of ig must be a JSON object such as {"key": value}, got null.');
    expect(() => parseOptions('ig', [1], spec)).toThrow(/got a list/);
    expect(() => parseOptions('ig', 'n_steps=3', spec)).toThrow(/got string/);
  });
  it('rejects wrong types and values, saying what is allowed', () => {
    expect(() => parseOptions('ig', { n_steps: 2.5 }, spec)).toThrow("ig option 'n_steps' must be an integer, got 2.5.");
    expect(() => parseOptions('ig', { n_steps: 0 }, spec)).toThrow(/>= 1/);
    expect(() => parseOptions('ig', { n_steps: Number.NaN }, spec)).toThrow(/must be an integer/);
    expect(() => parseOptions('ig', { method: 'simpson' }, spec)).toThrow(/one of 'gausslegendre', 'riemann_left'/);
    expect(() => parseOptions('ig', { abs: 'yes' }, spec)).toThrow(/true or false/);
    expect(() => parseOptions('ig', { top_p: 0 }, spec)).toThrow("ig option 'top_p' must be > 0, got 0.");
    expect(() => parseOptions('ig', { span: [1] }, spec)).toThrow("ig option 'span' must be a pair [start, end] of integers, or one integer, got [1].");
  });
  it('requires a required option, with its description', () => {
    const required = defineOptions({ top_p: { type: 'number', required: true, above: 0, max: 1, description: 'The nucleus mass, e.g. 0.9.' } });
    expect(() => parseOptions('top_p_size', {}, required)).toThrow("top_p_size needs option 'top_p' (a finite number > 0 <= 1): The nucleus mass, e.g. 0.9.");
    expectTypeOf(parseOptions('top_p_size', { top_p: 0.5 }, required).top_p).toEqualTypeOf<number>();
  });
  it('describes a spec for listings and forms', () => {
    expect(describeOptions(spec).slice(0, 2)).toEqual([
      { name: 'n_steps', type: 'number', constraint: 'an integer >= 1', default: 50, required: false, description: 'Points of the path.' },
      {
        name: 'method',
        type: 'string',
        constraint: "one of 'gausslegendre', 'riemann_left'",
        default: 'gausslegendre',
        required: false,
        description: 'Integration rule.',
        values: ['gausslegendre', 'riemann_left'],
      },
    ]);
  });
});

describe('closestName', () => {
  it('finds typos, swaps and other casings, and nothing far away', () => {
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('ab', 'ba')).toBe(1);
    expect(closestName('intgrated_gradients', ['saliency', 'integrated_gradients'])).toBe('integrated_gradients');
    expect(closestName('aggregateSource', ['aggregate_source', 'select_idx'])).toBe('aggregate_source');
    expect(closestName('nsteps', ['n_steps', 'method'])).toBe('n_steps');
    expect(closestName('xyz', ['saliency', 'lime'])).toBeUndefined();
  });
});
