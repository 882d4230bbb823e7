import { describe, expect, it } from 'vitest';
import { embeddingOf, idOf, model, stepAttributions } from './closed-form.test-support';

const prefix = 'the cat sat';
const words = prefix.split(' ');
const w = model.weight(idOf('on'));
const unk = embeddingOf('<unk>');
/** (x − b) · W[target] per position, `[position][h]`. */
const exact = (baseline: ArrayLike<number>) => words.map((word) => Array.from(w, (v, h) => v * (embeddingOf(word)[h] - baseline[h])));

describe('gradient_shap on the closed-form model', () => {
  it('gives (x − b) · W[target] in every sample for the logit without noise', async () => {
    const { rows } = await stepAttributions('gradient_shap', prefix, 'on', { n_samples: 3 });
    expect(rows).toEqual(exact(unk).map((row) => row.map((v) => expect.closeTo(v, 6))));
  });

  it('averages noisy samples towards (x − b) · W[target], each sample complete (delta 0)', async () => {
    const { rows, sequence } = await stepAttributions('gradient_shap', prefix, 'on', {
      n_samples: 4000,
      stdevs: 0.5,
      return_convergence_delta: true,
    });
    const expected = exact(unk);
    let largest = 0;
    rows.forEach((row, position) => {
      row.forEach((v, h) => {
        // Sample mean of (x + ε − b)·W: std 0.5·|W|/√4000 < 0.01; the noise must show, but within 5 std.
        largest = Math.max(largest, Math.abs(v - expected[position][h]));
        expect(v).toBeCloseTo(expected[position][h], 1);
      });
    });
    expect(largest).toBeGreaterThan(1e-5);
    expect(largest).toBeLessThan(0.05);
    expect(Math.abs(sequence.step_scores.deltas.data[0])).toBeLessThan(1e-4);
  });

  it('draws baselines from the distribution: the mean approaches the average over baselines', async () => {
    const { rows } = await stepAttributions('gradient_shap', prefix, 'on', { n_samples: 4000, baselines: ['unk', 'zeros'] });
    const fromUnk = exact(unk);
    const fromZeros = exact([0, 0, 0]);
    rows.forEach((row, position) => {
      row.forEach((v, h) => {
        const spread = Math.abs(fromUnk[position][h] - fromZeros[position][h]);
        const mean = (fromUnk[position][h] + fromZeros[position][h]) / 2;
        // A coin per sample: the mean is off by at most 5 · spread / (2√4000) ≈ 0.04 · spread.
        expect(Math.abs(v - mean)).toBeLessThanOrEqual(0.04 * spread + 1e-6);
      });
    });
  });

  it('estimates integrated gradients for a non-linear target (expectation over α)', async () => {
    const shap = await stepAttributions('gradient_shap', prefix, 'on', { n_samples: 4000 }, { attributedFn: 'probability' });
    const ig = await stepAttributions('integrated_gradients', prefix, 'on', { n_steps: 64 }, { attributedFn: 'probability' });
    const scale = Math.max(...ig.rows.flat().map(Math.abs));
    const errors = shap.rows.flat().map((v, i) => Math.abs(v - ig.rows.flat()[i]));
    expect(Math.max(...errors)).toBeLessThan(0.03 * scale);
  });

  it('repeats exactly with the same seed and changes with another', async () => {
    const args = { n_samples: 4, stdevs: 0.1 };
    const first = await stepAttributions('gradient_shap', prefix, 'on', args, { attributedFn: 'probability' });
    const again = await stepAttributions('gradient_shap', prefix, 'on', args, { attributedFn: 'probability' });
    const other = await stepAttributions('gradient_shap', prefix, 'on', { ...args, seed: 7 }, { attributedFn: 'probability' });
    expect(again.rows).toEqual(first.rows);
    expect(other.rows).not.toEqual(first.rows);
    expect(first.sequence.target_attributions).not.toBeNull();
  });

  it('rejects bad options naming what is allowed', async () => {
    await expect(stepAttributions('gradient_shap', prefix, 'on', { baselines: 'mask' })).rejects.toThrow(
      /'baselines' must be one of 'unk', 'zeros', 'pad', or a non-empty list of them/,
    );
    await expect(stepAttributions('gradient_shap', prefix, 'on', { baselines: [] })).rejects.toThrow(/non-empty list/);
    await expect(stepAttributions('gradient_shap', prefix, 'on', { stdevs: -1 })).rejects.toThrow(/'stdevs' must be >= 0/);
    await expect(stepAttributions('gradient_shap', prefix, 'on', { samples: 3 })).rejects.toThrow(
      "gradient_shap has no option 'samples'. Did you mean 'n_samples'? Its options are: n_samples, stdevs, baselines, multiply_by_inputs, return_convergence_delta, seed.",
    );
  });
});
