import type { SequenceAttribution, Tensor, TokenWithId } from '@inseq/core';
import { expect } from 'vitest';

const N = Number.NaN;

/** Tokens with consecutive ids from 1. */
export function tokens(...texts: string[]): TokenWithId[] {
  return texts.map((token, i) => ({ token, id: i + 1 }));
}

/** A row-major tensor from nested rows. */
export function tensor(rows: number[][], shape = [rows.length, rows[0]?.length ?? 0]): Tensor {
  return { data: Float32Array.from(rows.flat()), shape };
}

/**
 * Decoder-only, already `[len, nSteps]`: target `A Ġb c Ġd e`, prompt `A Ġb` (attr_pos_start 2),
 * 3 steps explaining `c`, `Ġd`, `e`; NaN where row ≥ 2 + step.
 */
export function decoderSequence(): SequenceAttribution {
  return {
    source: tokens('A', 'Ġb'),
    target: tokens('A', 'Ġb', 'c', 'Ġd', 'e'),
    source_attributions: null,
    target_attributions: tensor([
      [0.1, 0.2, -0.3],
      [0.4, -0.5, 0.1],
      [N, 0.6, 0.2],
      [N, N, -0.7],
      [N, N, N],
    ]),
    step_scores: {
      probability: tensor([[0.5, 0.4, 0.25]], [3]),
      entropy: tensor([[1, 2, 3]], [3]),
      logit: tensor([[2, -5, 3]], [3]),
    },
    sequence_scores: {},
    attr_pos_start: 2,
    attr_pos_end: 5,
  };
}

/**
 * Encoder-decoder, `[len, nSteps]`: source `▁Hel lo ▁world`, target `▁Ciao ▁mon do`
 * (attr_pos_start 0, 3 steps); target NaN where row ≥ step.
 */
export function encoderDecoderSequence(): SequenceAttribution {
  return {
    source: tokens('▁Hel', 'lo', '▁world'),
    target: tokens('▁Ciao', '▁mon', 'do'),
    source_attributions: tensor([
      [0.5, 0.1, 0.2],
      [-0.6, 0.3, 0.1],
      [0.2, 0.2, 0.4],
    ]),
    target_attributions: tensor([
      [N, 0.2, 0.1],
      [N, N, 0.3],
      [N, N, N],
    ]),
    step_scores: { probability: tensor([[0.9, 0.5, 0.4]], [3]) },
    sequence_scores: {},
    attr_pos_start: 0,
    attr_pos_end: 3,
  };
}

/** Row-major rows of a 2-D tensor, or the values of a 1-D one as one row. */
export function rows(t: Tensor | null): number[][] {
  if (t === null) throw new Error('tensor is null');
  if (t.shape.length === 1) return [Array.from(t.data)];
  const [count, columns] = t.shape;
  return Array.from({ length: count }, (_, r) => Array.from(t.data.subarray(r * columns, (r + 1) * columns)));
}

/** Asserts equality to 6 decimals, NaN where `wanted` is NaN. */
export function expectClose(actual: number[][], wanted: number[][]): void {
  expect(actual.length).toBe(wanted.length);
  wanted.forEach((row, r) => {
    expect(actual[r].length, `row ${r}`).toBe(row.length);
    row.forEach((value, c) => {
      if (Number.isNaN(value)) expect(actual[r][c], `[${r}][${c}]`).toBeNaN();
      else expect(actual[r][c], `[${r}][${c}]`).toBeCloseTo(value, 6);
    });
  });
}

/**
 * Freezes `sequence` deeply (typed arrays cannot be frozen, so their contents are copied) and
 * returns a check that throws if anything changed since.
 */
export function freezeSequence(sequence: SequenceAttribution): () => void {
  const snapshot = JSON.stringify(sequence, (_, value) => (value instanceof Float32Array ? Array.from(value, String) : value));
  const freeze = (value: unknown): void => {
    if (value === null || typeof value !== 'object' || ArrayBuffer.isView(value) || Object.isFrozen(value)) return;
    Object.freeze(value);
    for (const child of Object.values(value)) freeze(child);
  };
  freeze(sequence);
  return () => {
    const now = JSON.stringify(sequence, (_, value) => (value instanceof Float32Array ? Array.from(value, String) : value));
    expect(now).toBe(snapshot);
  };
}
