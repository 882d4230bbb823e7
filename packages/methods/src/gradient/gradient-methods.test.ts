import { type AttributionMethod, attribute, createRegistry } from '@inseq/core';
import { linearModel } from '@inseq/testing';
import { describe, expect, it } from 'vitest';
import { registerBuiltinMethods } from '../register-builtin-methods';

const methods = registerBuiltinMethods(createRegistry<AttributionMethod>('attribution method'));
const model = linearModel();
const vocab = ['<eos>', 'the', 'cat', 'sat', 'on', 'mat', 'a', 'dog', '<unk>'];
const idOf = (word: string) => vocab.indexOf(word);
const hidden = 3;

/** Attributions of the single step explaining `next` after `prefix`, as [position][h]. */
async function stepAttributions(method: string, prefix: string, next: string, extra: Record<string, unknown> = {}) {
  const out = await attribute(model, prefix, {
    method,
    methods,
    generatedTexts: `${prefix} ${next}`,
    attributedFn: (extra.attributedFn as string) ?? 'logit',
    attributionArgs: (extra.args as Record<string, unknown>) ?? {},
  });
  const sequence = out.sequence_attributions[0];
  const length = sequence.attr_pos_start;
  const rows = Array.from({ length }, (_, position) =>
    Array.from(sequence.target_attributions!.data.subarray(position * hidden, (position + 1) * hidden)),
  );
  return { rows, sequence };
}

describe('gradient methods on a closed-form model (logits = W · Σ x)', () => {
  const prefix = 'the cat sat';
  const words = prefix.split(' ');
  const w = model.weight(idOf('on'));

  it('saliency is |W[target]| at every position; abs: false keeps the sign', async () => {
    const { rows } = await stepAttributions('saliency', prefix, 'on');
    for (const row of rows) expect(row).toEqual(Array.from(w, (v) => expect.closeTo(Math.abs(v), 6)));
    const signed = await stepAttributions('saliency', prefix, 'on', { args: { abs: false } });
    for (const row of signed.rows) expect(row).toEqual(Array.from(w, (v) => expect.closeTo(v, 6)));
  });

  it('input_x_gradient is x · W[target]', async () => {
    const { rows } = await stepAttributions('input_x_gradient', prefix, 'on');
    rows.forEach((row, position) => {
      const x = model.embedding(idOf(words[position]));
      expect(row).toEqual(Array.from(w, (v, h) => expect.closeTo(v * x[h], 6)));
    });
  });

  it('integrated_gradients is exactly (x − b) · W[target] for a linear target, for every rule (Captum’s trapezoid: (n − 1)/n of it)', async () => {
    const unk = model.embedding(idOf('<unk>'));
    for (const method of ['gausslegendre', 'riemann_trapezoid', 'riemann_left', 'riemann_right', 'riemann_middle']) {
      const { rows } = await stepAttributions('integrated_gradients', prefix, 'on', { args: { n_steps: 4, method } });
      // Captum weighs the trapezoid's 4 points 1/4 with halved ends: Σ weights = 3/4.
      const scale = method === 'riemann_trapezoid' ? 3 / 4 : 1;
      rows.forEach((row, position) => {
        const x = model.embedding(idOf(words[position]));
        expect(row).toEqual(Array.from(w, (v, h) => expect.closeTo(scale * v * (x[h] - unk[h]), 5)));
      });
    }
    const zeros = await stepAttributions('integrated_gradients', prefix, 'on', { args: { n_steps: 3, baselines: 'zeros' } });
    zeros.rows.forEach((row, position) => {
      const x = model.embedding(idOf(words[position]));
      expect(row).toEqual(Array.from(w, (v, h) => expect.closeTo(v * x[h], 5)));
    });
  });

  it('integrated_gradients is complete for a non-linear target: Σ attributions → p(x) − p(b)', async () => {
    const deltas: number[] = [];
    for (const nSteps of [4, 16, 64]) {
      const { rows, sequence } = await stepAttributions('integrated_gradients', prefix, 'on', {
        attributedFn: 'probability',
        args: { n_steps: nSteps, return_convergence_delta: true, method: 'riemann_middle' },
      });
      const total = rows.flat().reduce((a, b) => a + b, 0);
      const delta = sequence.step_scores.deltas.data[0];
      // Independent check of the reported delta: p(x) − p(baseline) in closed form.
      const softmaxAt = (z: number[], t: number) => {
        const logits = vocab.map((_, v) => model.weight(v).reduce((acc, wh, h) => acc + wh * z[h], 0));
        const max = Math.max(...logits);
        return Math.exp(logits[t] - max) / logits.reduce((acc, l) => acc + Math.exp(l - max), 0);
      };
      const sumOf = (ids: number[]) => [0, 1, 2].map((h) => ids.reduce((acc, id) => acc + model.embedding(id)[h], 0));
      const expected = softmaxAt(sumOf(words.map(idOf)), idOf('on')) - softmaxAt(sumOf(words.map(() => idOf('<unk>'))), idOf('on'));
      expect(delta).toBeCloseTo(total - expected, 5);
      deltas.push(Math.abs(delta));
    }
    // Midpoint rule error falls as 1/n²: each ×4 in n_steps shrinks |delta| about 16×.
    for (let i = 1; i < deltas.length; i++) expect(deltas[i]).toBeLessThan(deltas[i - 1] / 8);
    expect(deltas.at(-1)).toBeLessThan(1e-3);
  });

  it('internal_batch_size changes nothing but the chunking', async () => {
    const all = await stepAttributions('integrated_gradients', prefix, 'on', { attributedFn: 'probability', args: { n_steps: 7 } });
    const chunked = await stepAttributions('integrated_gradients', prefix, 'on', {
      attributedFn: 'probability',
      args: { n_steps: 7, internal_batch_size: 3 },
    });
    expect(chunked.rows.flat()).toEqual(all.rows.flat().map((v) => expect.closeTo(v, 7)));
  });

  it('rejects unknown options naming the valid ones', async () => {
    await expect(stepAttributions('integrated_gradients', prefix, 'on', { args: { nsteps: 3 } })).rejects.toThrow(
      /integrated_gradients has no option 'nsteps'. Did you mean 'n_steps'\? Its options are: n_steps, method, internal_batch_size, baselines/,
    );
    await expect(stepAttributions('saliency', prefix, 'on', { args: { abs: 1 } })).rejects.toThrow(/true or false/);
  });
});
