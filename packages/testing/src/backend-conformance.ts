import { type ForwardInput, InseqError, type ModelBackend, intTensorFromRows, logit } from '@inseq/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { centralDifference } from './central-difference';
import { maxAbsDiff } from './max-abs-diff';
import type { NamedWeight } from './named-weight';
import { referenceGpt2Forward } from './reference-gpt2-forward';

/** The weights and `config.json` a backend under test was loaded from (as {@link createTinyGpt2} gives them). */
export interface ConformanceReference {
  readonly weights: Record<string, NamedWeight>;
  readonly config: Record<string, unknown>;
}

// One request per optional capability: a backend that declares the capability false must refuse it.
const capabilityRequests: Record<string, Partial<ForwardInput>> = {
  attentions: { outputAttentions: true },
  hiddenStates: { outputHiddenStates: true },
  layerActivations: { layer: { name: 'transformer.h.0' } },
  valueZeroing: { zeroValues: { layer: 0, positions: Int32Array.of(0) } },
  dropout: { dropoutSeed: 1 },
};

/** Awaits `action` and returns what it threw; fails the test when nothing was thrown. */
async function thrown(action: () => Promise<unknown>): Promise<unknown> {
  try {
    await action();
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to throw an InseqError, but it resolved');
}

/**
 * Declares the vitest suite every {@link ModelBackend} must pass, so each backend
 * proves the same contract on the same tiny GPT-2: declared capabilities, last-position and
 * all-position logits equal to {@link referenceGpt2Forward} within 1e-4 (left padding included),
 * `embed` equal to the `wte` rows, bad input refused with an {@link InseqError} and a stable code,
 * options whose capability is false refused, `gradients` present exactly when declared and equal
 * to central finite differences, and every call refused after `dispose()`.
 *
 * Call it at the top level of a backend's `*.test.ts`.
 *
 * @param name - the suite's title, e.g. `'ort (withPast)'`.
 * @param load - loads a fresh backend on the reference's weights; called once for the suite and once for the dispose check.
 * @param reference - the weights and config the backend was loaded from.
 */
export function runBackendConformance(name: string, load: () => Promise<ModelBackend>, reference: ConformanceReference): void {
  const { weights, config } = reference;
  const vocab = config.vocab_size as number;
  const hidden = config.n_embd as number;
  const maxPositions = config.n_positions as number;
  const pad = vocab - 1;
  const single = [[464, 262, 286, 318, 13, 100, 7]];
  const batch = [
    [11, 250, 3, 999, 64, 12],
    [pad, pad, pad, 40, 41, 42],
    [pad, 5, 6, 7, 8, 9],
  ];
  const batchMask = batch.map((row, b) => row.map((_, s) => (s >= [0, 3, 1][b] ? 1 : 0)));
  const rowsInput = (rows: number[][], mask: number[][]): ForwardInput => ({
    inputIds: intTensorFromRows(rows),
    attentionMask: intTensorFromRows(mask),
  });
  const ones = (rows: number[][]) => rows.map((row) => row.map(() => 1));
  /** Rows `[b, seq - 1, :]` of reference logits `[batch, seq, vocab]`. */
  const lastPosition = (all: Float64Array, rows: number, seq: number): Float64Array => {
    const out = new Float64Array(rows * vocab);
    for (let b = 0; b < rows; b++) out.set(all.subarray((b * seq + seq - 1) * vocab, (b * seq + seq) * vocab), b * vocab);
    return out;
  };
  const expectInseqError = (error: unknown, codes: readonly string[]) => {
    expect(InseqError.isInstance(error), `expected an InseqError, got ${String(error)}`).toBe(true);
    expect(codes).toContain((error as InseqError).code);
  };

  describe(`backend conformance: ${name}`, () => {
    let backend: ModelBackend;
    beforeAll(async () => {
      backend = await load();
    });
    afterAll(async () => {
      await backend?.dispose();
    });

    it('declares every required capability as a boolean and reads the config', () => {
      for (const key of ['forward', 'gradients', 'attentions', 'layerActivations', 'hiddenStates'] as const) {
        expect(typeof backend.capabilities[key], key).toBe('boolean');
      }
      for (const key of ['embeddingInputs', 'valueZeroing', 'rescaleGradients', 'dropout'] as const) {
        expect(['boolean', 'undefined'], key).toContain(typeof backend.capabilities[key]);
      }
      expect(backend.capabilities.forward).toBe(true);
      expect(typeof backend.name).toBe('string');
      expect(backend.config.vocabSize).toBe(vocab);
      expect(backend.config.maxPositions).toBe(maxPositions);
    });

    it('gives the reference last-position logits for one row', async () => {
      const out = await backend.forward(rowsInput(single, ones(single)));
      expect(out.logits.shape).toEqual([1, vocab]);
      const expected = lastPosition(referenceGpt2Forward(weights, config, single, ones(single)).logits, 1, single[0].length);
      expect(maxAbsDiff(out.logits.data, expected)).toBeLessThan(1e-4);
    });

    it('gives the reference logits for a left-padded batch, padded rows equal to unpadded ones', async () => {
      const out = await backend.forward(rowsInput(batch, batchMask));
      expect(out.logits.shape).toEqual([3, vocab]);
      const expected = lastPosition(referenceGpt2Forward(weights, config, batch, batchMask).logits, 3, 6);
      expect(maxAbsDiff(out.logits.data, expected)).toBeLessThan(1e-4);
      const alone = await backend.forward(rowsInput([[40, 41, 42]], [[1, 1, 1]]));
      expect(maxAbsDiff(alone.logits.data, out.logits.data.subarray(vocab, 2 * vocab))).toBeLessThan(1e-4);
    });

    it("gives the reference logits at every real position with logitsAt: 'all'", async () => {
      const out = await backend.forward({ ...rowsInput(batch, batchMask), logitsAt: 'all' });
      expect(out.logits.shape).toEqual([3, 6, vocab]);
      const expected = referenceGpt2Forward(weights, config, batch, batchMask).logits;
      // Padded query positions are meaningless; only real ones are compared.
      for (let b = 0; b < 3; b++) {
        for (let s = 0; s < 6; s++) {
          if (batchMask[b][s] === 0) continue;
          const at = (b * 6 + s) * vocab;
          expect(maxAbsDiff(out.logits.data.subarray(at, at + vocab), expected.subarray(at, at + vocab))).toBeLessThan(1e-4);
        }
      }
    });

    it('embeds ids as the rows of wte', async () => {
      const embeds = await backend.embed(intTensorFromRows([[3, 7]]));
      expect(embeds.shape).toEqual([1, 2, hidden]);
      const wte = Float64Array.from((weights['transformer.wte.weight'] ?? weights['wte.weight']).data);
      expect(maxAbsDiff(embeds.data.subarray(0, hidden), wte.subarray(3 * hidden, 4 * hidden))).toBeLessThan(1e-6);
      expect(maxAbsDiff(embeds.data.subarray(hidden), wte.subarray(7 * hidden, 8 * hidden))).toBeLessThan(1e-6);
    });

    it('refuses ids outside the vocabulary and inputs longer than n_positions with an InseqError', async () => {
      for (const bad of [vocab, -1]) {
        expectInseqError(await thrown(() => backend.forward(rowsInput([[1, bad]], [[1, 1]]))), ['INVALID_INPUT', 'INVALID_ARGUMENT']);
      }
      expectInseqError(await thrown(() => backend.embed(intTensorFromRows([[vocab]]))), ['INVALID_INPUT', 'INVALID_ARGUMENT']);
      const long = [Array(maxPositions + 1).fill(1)];
      expectInseqError(await thrown(() => backend.forward(rowsInput(long, ones(long)))), ['INPUT_TOO_LONG']);
    });

    it('refuses every option whose capability is false with an InseqError', async () => {
      const input = rowsInput([[1, 2]], [[1, 1]]);
      const capabilities = backend.capabilities as unknown as Record<string, boolean | undefined>;
      for (const [capability, request] of Object.entries(capabilityRequests)) {
        if (capabilities[capability]) continue;
        expect(InseqError.isInstance(await thrown(() => backend.forward({ ...input, ...request }))), capability).toBe(true);
      }
      if (!backend.capabilities.embeddingInputs) {
        const inputsEmbeds = await backend.embed(input.inputIds);
        expect(InseqError.isInstance(await thrown(() => backend.forward({ ...input, inputsEmbeds })))).toBe(true);
      }
    });

    it('has gradients exactly when it declares them', () => {
      expect(typeof backend.gradients === 'function').toBe(backend.capabilities.gradients);
    });

    it('gives gradients equal to central finite differences of the float64 reference (when declared)', async () => {
      if (!backend.capabilities.gradients || !backend.gradients) return;
      const ids = [[11, 250, 3, 999, 64]];
      const seq = ids[0].length;
      const inputIds = intTensorFromRows(ids);
      const attentionMask = intTensorFromRows(ones(ids));
      const inputsEmbeds = await backend.embed(inputIds);
      const targetId = 17;
      const { gradients, targetValues } = await backend.gradients({
        inputIds,
        attentionMask,
        inputsEmbeds,
        targetIds: Int32Array.of(targetId),
        target: logit.differentiable!,
      });
      expect(gradients.shape).toEqual([1, seq, hidden]);
      const f = (flat: Float64Array) => {
        const nested = [Array.from({ length: seq }, (_, s) => Array.from(flat.subarray(s * hidden, (s + 1) * hidden)))];
        const { logits } = referenceGpt2Forward(weights, config, ids, ones(ids), { inputsEmbeds: nested });
        return logits[(seq - 1) * vocab + targetId];
      };
      const flat = Float64Array.from(inputsEmbeds.data);
      expect(targetValues[0]).toBeCloseTo(f(flat), 4);
      const scale = Math.max(...gradients.data.map(Math.abs));
      expect(scale).toBeGreaterThan(1e-2);
      for (const index of [(seq - 1) * hidden + 3, 5, 2 * hidden + 1, 3 * hidden + 7]) {
        const expected = centralDifference(f, flat, index, 1e-4);
        expect(Math.abs(gradients.data[index] - expected)).toBeLessThanOrEqual(1e-4 * scale + 1e-2 * Math.abs(expected));
      }
    });

    it('refuses forward after dispose() with an InseqError', async () => {
      const disposable = await load();
      await disposable.dispose();
      const error = await thrown(() => disposable.forward(rowsInput([[1, 2]], [[1, 1]])));
      expect(InseqError.isInstance(error)).toBe(true);
    });
  });
}
