import { describe, expect, it } from 'vitest';
import { integrationRule } from './integration-rule';

describe('integrationRule', () => {
  it('gives the textbook 3-point Gauss–Legendre rule on [0, 1]', () => {
    const { alphas, stepSizes } = integrationRule('gausslegendre', 3);
    const r = Math.sqrt(3 / 5);
    expect(Array.from(alphas)).toEqual([0.5 * (1 - r), 0.5, 0.5 * (1 + r)].map((v) => expect.closeTo(v, 14)));
    expect(Array.from(stepSizes)).toEqual([5 / 18, 8 / 18, 5 / 18].map((v) => expect.closeTo(v, 14)));
  });
  it('integrates polynomials of degree 2n − 1 exactly with n Gauss–Legendre points', () => {
    for (const n of [1, 2, 5, 50]) {
      const { alphas, stepSizes } = integrationRule('gausslegendre', n);
      const degree = 2 * n - 1;
      const sum = alphas.reduce((acc, a, i) => acc + stepSizes[i] * a ** degree, 0);
      expect(sum).toBeCloseTo(1 / (degree + 1), 12);
      expect(stepSizes.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 13);
    }
  });
  it('places Riemann points as Captum does', () => {
    expect(Array.from(integrationRule('riemann_left', 4).alphas)).toEqual([0, 0.25, 0.5, 0.75]);
    expect(Array.from(integrationRule('riemann_right', 4).alphas)).toEqual([0.25, 0.5, 0.75, 1]);
    expect(Array.from(integrationRule('riemann_middle', 4).alphas)).toEqual([0.125, 0.375, 0.625, 0.875]);
    const trapezoid = integrationRule('riemann_trapezoid', 5);
    expect(Array.from(trapezoid.alphas)).toEqual([0, 0.25, 0.5, 0.75, 1]);
    // Captum's weights: 1/n with halved ends (not the textbook 1/(n − 1)), so they sum to (n − 1)/n.
    expect(Array.from(trapezoid.stepSizes)).toEqual([0.1, 0.2, 0.2, 0.2, 0.1]);
    const fifty = integrationRule('riemann_trapezoid', 50);
    expect(fifty.stepSizes.reduce((a, b) => a + b, 0)).toBeCloseTo(49 / 50, 14);
    expect(() => integrationRule('riemann_trapezoid', 1)).toThrow(/n_steps >= 2/);
  });
  it("matches Captum's riemann_builders for n = 2, 3, 5 (alphas up to float32 rounding, as torch.linspace makes them)", () => {
    // Captum: step sizes [1/n] * n, the trapezoid's ends halved; alphas linspace over
    // [0, 1] (trapezoid), [0, 1 − 1/n] (left), [1/n, 1] (right), [1/(2n), 1 − 1/(2n)] (middle).
    for (const n of [2, 3, 5]) {
      const exact = {
        riemann_trapezoid: Array.from({ length: n }, (_, i) => i / (n - 1)),
        riemann_left: Array.from({ length: n }, (_, i) => i / n),
        riemann_right: Array.from({ length: n }, (_, i) => (i + 1) / n),
        riemann_middle: Array.from({ length: n }, (_, i) => (2 * i + 1) / (2 * n)),
      };
      for (const [method, alphas] of Object.entries(exact) as [keyof typeof exact, number[]][]) {
        const rule = integrationRule(method, n);
        const steps = Array.from({ length: n }, (_, i) => (method === 'riemann_trapezoid' && (i === 0 || i === n - 1) ? 1 / (2 * n) : 1 / n));
        expect(Array.from(rule.stepSizes)).toEqual(steps);
        // float32 points: within one float32 ulp of the exact ones, and float32 values themselves.
        rule.alphas.forEach((alpha, i) => {
          expect(Math.abs(alpha - alphas[i])).toBeLessThanOrEqual(2 ** -24);
          expect(Math.fround(alpha)).toBe(alpha);
        });
      }
    }
    // torch.linspace(0, 1 - 1/3, 3) in float32 gives exactly these (1/3 and 2/3 rounded to float32).
    expect(Array.from(integrationRule('riemann_left', 3).alphas)).toEqual([0, Math.fround(1 / 3), Math.fround(2 / 3)]);
    // One step (Captum asserts n >= 2; allowed here): the one-point rules at 0, 1 and 1/2.
    expect(Array.from(integrationRule('riemann_left', 1).alphas)).toEqual([0]);
    expect(Array.from(integrationRule('riemann_right', 1).alphas)).toEqual([1]);
    expect(Array.from(integrationRule('riemann_middle', 1).alphas)).toEqual([0.5]);
  });
});
