import { describe, expect, it } from 'vitest';
import { embeddingOf, idOf, model, probabilities, stepAttributions, sumOf } from './closed-form.test-support';

const prefix = 'the cat sat';
const words = prefix.split(' ');
const target = idOf('on');
const w = model.weight(target);
const unk = embeddingOf('<unk>');

describe('sequential_integrated_gradients on the closed-form model', () => {
  it('is (xᵢ − bᵢ) · W[target] at each position for the logit, for every rule', async () => {
    for (const method of ['gausslegendre', 'riemann_trapezoid', 'riemann_left', 'riemann_right', 'riemann_middle']) {
      const { rows } = await stepAttributions('sequential_integrated_gradients', prefix, 'on', { n_steps: 3, method });
      // Captum's trapezoid weighs its 3 points 1/3 with halved ends: Σ weights = 2/3.
      const scale = method === 'riemann_trapezoid' ? 2 / 3 : 1;
      rows.forEach((row, position) => {
        const x = embeddingOf(words[position]);
        expect(row).toEqual(Array.from(w, (v, h) => expect.closeTo(scale * v * (x[h] - unk[h]), 5)));
      });
    }
  });

  it('is complete per position for a non-linear target: Σₕ attrᵢ = p(x) − p(x with token i at its baseline)', async () => {
    const { rows, sequence } = await stepAttributions(
      'sequential_integrated_gradients',
      prefix,
      'on',
      { return_convergence_delta: true, internal_batch_size: 7 },
      { attributedFn: 'probability' },
    );
    const embeddings = words.map(embeddingOf);
    const p = (vectors: ArrayLike<number>[]) => probabilities(sumOf(vectors))[target];
    rows.forEach((row, i) => {
      const replaced = embeddings.map((x, j) => (j === i ? unk : x));
      expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(p(embeddings) - p(replaced), 6);
    });
    // Inseq's delta compares with the all-baseline input, which SIG does not sum to.
    const total = rows.flat().reduce((a, b) => a + b, 0);
    expect(sequence.step_scores.deltas.data[0]).toBeCloseTo(total - (p(embeddings) - p(embeddings.map(() => unk))), 6);
  });

  it('multiply_by_inputs: false gives the path-averaged gradient of each position', async () => {
    const { rows } = await stepAttributions('sequential_integrated_gradients', prefix, 'on', { n_steps: 2, multiply_by_inputs: false });
    for (const row of rows) expect(row).toEqual(Array.from(w, (v) => expect.closeTo(v, 6)));
  });

  it('rejects unknown options naming the valid ones', async () => {
    await expect(stepAttributions('sequential_integrated_gradients', prefix, 'on', { steps: 3 })).rejects.toThrow(
      "sequential_integrated_gradients has no option 'steps'. Did you mean 'n_steps'? Its options are: n_steps, method, internal_batch_size, baselines, multiply_by_inputs, return_convergence_delta.",
    );
  });
});
