import { describe, expect, it } from 'vitest';
import { seededRandom } from './seeded-random';

const draw = (seed: number, salt: number[] = [], n = 5) => {
  const random = seededRandom(seed, salt);
  return Array.from({ length: n }, () => random.uniform());
};

describe('seededRandom', () => {
  it('repeats a stream for the same seed and salt, and changes with either', () => {
    expect(draw(42, [1, 2])).toEqual(draw(42, [1, 2]));
    expect(draw(42, [1, 2])).not.toEqual(draw(43, [1, 2]));
    expect(draw(42, [1, 2])).not.toEqual(draw(42, [2, 1]));
    expect(draw(42)).not.toEqual(draw(42, [0]));
  });

  it('draws uniforms on [0, 1) and standard normals', () => {
    const random = seededRandom(7);
    const uniforms = Array.from({ length: 20000 }, () => random.uniform());
    expect(Math.min(...uniforms)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...uniforms)).toBeLessThan(1);
    expect(uniforms.reduce((a, b) => a + b, 0) / uniforms.length).toBeCloseTo(0.5, 2);
    const normals = Array.from({ length: 20000 }, () => random.normal());
    const mean = normals.reduce((a, b) => a + b, 0) / normals.length;
    const variance = normals.reduce((a, b) => a + (b - mean) ** 2, 0) / normals.length;
    expect(mean).toBeCloseTo(0, 1);
    expect(variance).toBeCloseTo(1, 1);
  });
});
