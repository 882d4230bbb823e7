import type { AttributionModel, IntTensor } from '@inseq/core';
import { describe, expect, it } from 'vitest';
import { embeddingOf, hidden, idOf, model, probabilities, stepAttributions, sumOf, vocab } from './closed-form.test-support';
import { monotonicPaths } from './monotonic-paths';
import { vocabularyIndex } from './vocabulary-index';

const prefix = 'the cat sat';
const words = prefix.split(' ');
const target = idOf('on');
const w = model.weight(target);
const unk = embeddingOf('<unk>');

describe('monotonic paths through the vocabulary', () => {
  it('go from the baseline to the word, every dimension monotonic, through monotonized neighbours', async () => {
    const index = await vocabularyIndex(model.backend);
    for (const strategy of ['greedy', 'maxcount'] as const) {
      const nSteps = 6;
      const sentence = ['the', 'cat', 'mat', 'dog', '<eos>', 'the'];
      const options = { nSteps, strategy, nNeighbors: 4, specialIds: new Set([0, 8]) };
      const paths = monotonicPaths(index, sentence.map(idOf), idOf('<unk>'), options);
      sentence.forEach((word, i) => {
        const path = paths[i];
        // Built alone, a path is the same: the lock step only shares neighbour queries.
        expect(monotonicPaths(index, [idOf(word)], idOf('<unk>'), options)[0]).toEqual(path);
        expect(path.length).toBe(nSteps * hidden);
        expect(Array.from(path.subarray(0, hidden))).toEqual(Array.from(unk, (v) => expect.closeTo(v, 6)));
        expect(Array.from(path.subarray((nSteps - 1) * hidden))).toEqual(Array.from(embeddingOf(word), (v) => expect.closeTo(v, 6)));
        for (let h = 0; h < hidden; h++) {
          const values = Array.from({ length: nSteps }, (_, k) => path[k * hidden + h]);
          const rising = values.every((v, k) => k === 0 || v >= values[k - 1]);
          const falling = values.every((v, k) => k === 0 || v <= values[k - 1]);
          expect(rising || falling).toBe(true);
        }
      });
      // A special token waits at itself, then jumps from the baseline.
      expect(Array.from(paths[4].subarray(hidden, 2 * hidden))).toEqual(Array.from(embeddingOf('<eos>'), (v) => expect.closeTo(v, 6)));
    }
  });

  it('finds nearest neighbours by Euclidean distance, nearest first, without the word itself', async () => {
    const index = await vocabularyIndex(model.backend);
    const distance = (a: number, b: number) => Math.hypot(...Array.from(model.embedding(a), (v, h) => v - model.embedding(b)[h]));
    for (let id = 0; id < vocab.length; id++) {
      const expected = vocab
        .map((_, other) => other)
        .filter((other) => other !== id)
        .sort((a, b) => distance(id, a) - distance(id, b) || a - b)
        .slice(0, 3);
      expect(Array.from(index.neighbors([id], 3)[0])).toEqual(expected);
    }
  });

  it('reads the embedding matrix once per model', async () => {
    let vocabularyReads = 0;
    const backend = {
      ...model.backend,
      embed: async (ids: IntTensor) => {
        if (ids.shape[0] === vocab.length) vocabularyReads++;
        return model.backend.embed(ids);
      },
    };
    const counted: AttributionModel = { ...model, backend };
    await stepAttributions('discretized_integrated_gradients', prefix, 'on', { n_steps: 4 }, { model: counted });
    await stepAttributions('discretized_integrated_gradients', 'a dog', 'sat', { n_steps: 4 }, { model: counted });
    expect(vocabularyReads).toBe(1);
  });
});

describe('discretized_integrated_gradients on the closed-form model', () => {
  it('is complete for the logit along any monotonic path: Σₕ attrᵢ = (xᵢ − bᵢ) · W[target]', async () => {
    for (const method of ['greedy', 'maxcount']) {
      for (const nSteps of [2, 5, 30]) {
        const { rows, sequence } = await stepAttributions('discretized_integrated_gradients', prefix, 'on', {
          n_steps: nSteps,
          method,
          n_neighbors: 5,
          return_convergence_delta: true,
        });
        rows.forEach((row, position) => {
          const x = embeddingOf(words[position]);
          const expected = Array.from(w, (v, h) => v * (x[h] - unk[h])).reduce((a, b) => a + b, 0);
          expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(expected, 5);
        });
        expect(Math.abs(sequence.step_scores.deltas.data[0])).toBeLessThan(1e-5);
      }
    }
  });

  it('moves along the discrete path: attributions differ from the straight-line integral per dimension', async () => {
    const dig = await stepAttributions('discretized_integrated_gradients', prefix, 'on', { n_steps: 6 }, { attributedFn: 'probability' });
    const ig = await stepAttributions('integrated_gradients', prefix, 'on', { n_steps: 6 }, { attributedFn: 'probability' });
    expect(dig.rows.flat().some((v, i) => Math.abs(v - ig.rows.flat()[i]) > 1e-4)).toBe(true);
  });

  it('reports delta = Σ attributions − (p(x) − p(b)) for a non-linear target', async () => {
    const { rows, sequence } = await stepAttributions(
      'discretized_integrated_gradients',
      prefix,
      'on',
      { return_convergence_delta: true, internal_batch_size: 5 },
      { attributedFn: 'probability' },
    );
    const embeddings = words.map(embeddingOf);
    const gain = probabilities(sumOf(embeddings))[target] - probabilities(sumOf(embeddings.map(() => unk)))[target];
    expect(sequence.step_scores.deltas.data[0]).toBeCloseTo(rows.flat().reduce((a, b) => a + b, 0) - gain, 6);
  });

  it('rejects bad options naming what is allowed', async () => {
    await expect(stepAttributions('discretized_integrated_gradients', prefix, 'on', { method: 'straight' })).rejects.toThrow(
      /'method' must be one of 'greedy', 'maxcount'/,
    );
    await expect(stepAttributions('discretized_integrated_gradients', prefix, 'on', { baselines: 'zeros' })).rejects.toThrow(
      /'baselines' must be one of 'unk', 'pad'/,
    );
    await expect(stepAttributions('discretized_integrated_gradients', prefix, 'on', { n_steps: 1 })).rejects.toThrow(/'n_steps' must be >= 2/);
  });
});
