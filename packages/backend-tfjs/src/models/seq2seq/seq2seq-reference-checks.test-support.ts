import { intTensorFromRows } from '@inseq/core';
import { centralDifference, maxAbsDiff, referenceEncoderDecoderForward, type TinySeq2Seq } from '@inseq/testing';
import * as tf from '../../tf';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initTfjs } from '../../init-tfjs';
import { readSafetensors } from '../../safetensors/read-safetensors';
import { seededDropout } from '../seeded-dropout';
import type { TfjsArchitecture } from '../tfjs-architectures';
import type { CausalLmPass, TfjsCausalLm } from '../tfjs-causal-lm';

/** A batch of two: row 1's source right-padded, its decoder prefix left-padded. */
export interface Seq2SeqBatch {
  readonly source: readonly (readonly number[])[];
  readonly sourceMask: readonly (readonly number[])[];
  readonly target: readonly (readonly number[])[];
  readonly targetMask: readonly (readonly number[])[];
}

/**
 * The attributed tensor of an architecture (docs/attributed-embeddings.md) and how the float64
 * reference takes it: `embed` returns the table rows × `embedScale` (HF's `embed_scale`, Inseq's
 * `embed_ids`); the reference gets them × `encoder` / `decoder` as `inputs_embeds` (1 where HF
 * takes them as they are, 1 / embed_scale for Marian's decoder, which scales given embeddings itself).
 */
export interface ReferenceEmbedScales {
  readonly encoder: number;
  readonly decoder: number;
  readonly embedScale: number;
  /** The safetensors names of each side's token embedding table. */
  readonly tables: { readonly encoder: string; readonly decoder: string };
}

/** A source right-padded with `pad` and a decoder prefix left-padded with `pad`, starting with `start`. */
export function seq2seqBatch(pad: number, start: number, eos: number): Seq2SeqBatch {
  return {
    source: [
      [45, 300, 12, 87, 9, eos],
      [410, 27, 66, eos, pad, pad],
    ],
    sourceMask: [
      [1, 1, 1, 1, 1, 1],
      [1, 1, 1, 1, 0, 0],
    ],
    target: [
      [start, 17, 250, 31, 8],
      [pad, pad, start, 74, 120],
    ],
    targetMask: [
      [1, 1, 1, 1, 1],
      [0, 0, 1, 1, 1],
    ],
  };
}

/** The encoder-decoder pass of a batch, built from the model's own embeddings (call inside `tf.tidy`). */
export function passOf(model: TfjsCausalLm, batch: Seq2SeqBatch, options: Partial<CausalLmPass> = {}): CausalLmPass {
  const ids = (rows: readonly (readonly number[])[]) => tf.tensor2d(rows.map((row) => [...row]), undefined, 'int32');
  return {
    inputsEmbeds: model.embed(ids(batch.target), 'decoder'),
    attentionMask: intTensorFromRows(batch.targetMask.map((row) => [...row])),
    logitsAt: 'all',
    encoder: { inputsEmbeds: model.embed(ids(batch.source), 'encoder'), attentionMask: intTensorFromRows(batch.sourceMask.map((row) => [...row])) },
    ...options,
  };
}

/**
 * The shared checks of an encoder-decoder architecture against `referenceEncoderDecoderForward`:
 * logits at every real decoder position and the three kinds of attention (row by row, the decoder
 * prefix unpadded), gradients w.r.t. both embeddings against central differences, outputs and
 * taps, and flat `tf.memory()`.
 */
export function describeAgainstReference(label: string, tiny: TinySeq2Seq, architecture: TfjsArchitecture, scales: ReferenceEmbedScales): void {
  describe(label, () => {
    const config = tiny.config;
    const vocab = (config.decoder_vocab_size ?? config.vocab_size) as number;
    const dModel = config.d_model as number;
    const pad = config.pad_token_id as number;
    const batch = seq2seqBatch(pad, config.decoder_start_token_id as number, config.eos_token_id as number);
    const [sourceLength, targetLength] = [batch.source[0].length, batch.target[0].length];
    let model: TfjsCausalLm;
    beforeAll(async () => {
      await initTfjs();
      const file = readSafetensors(tiny.files['model.safetensors'], { name: 'model.safetensors' });
      model = architecture.create(architecture.parseConfig(config), file, 'model.safetensors');
    });
    afterAll(() => model?.dispose());

    /** Row b of the batch through the reference, its decoder prefix without padding. */
    const referenceRow = (b: number) => {
      const real = batch.target[b].filter((_, t) => batch.targetMask[b][t] === 1);
      return referenceEncoderDecoderForward(tiny.weights, config, [batch.source[b]], [batch.sourceMask[b]], [real], [real.map(() => 1)], { outputAttentions: true });
    };

    it('embed returns the attributed tensor: each side’s table rows × embed_scale', () => {
      for (const side of ['encoder', 'decoder'] as const) {
        const ids = side === 'encoder' ? batch.source[0] : batch.target[0];
        const table = tiny.weights[scales.tables[side]];
        expect(table, scales.tables[side]).toBeDefined();
        const embedded = tf.tidy(() => model.embed(tf.tensor2d([[...ids]], undefined, 'int32'), side).dataSync() as Float32Array);
        expect(embedded.length).toBe(ids.length * dModel);
        const expected = Float32Array.from(ids.flatMap((id) => Array.from(table.data.subarray(id * dModel, (id + 1) * dModel), (v) => Math.fround(v * Math.fround(scales.embedScale)))));
        expect(maxAbsDiff(embedded, expected), side).toBeLessThan(1e-6);
      }
    });

    it('logits at every real decoder position, and decoder, encoder and cross attentions, equal the float64 reference (1e-4)', () => {
      const before = tf.memory().numTensors;
      const out = tf.tidy(() => {
        const result = model.run(passOf(model, batch, { outputAttentions: true }));
        const read = (tensors?: tf.Tensor[]) => (tensors ?? []).map((tensor) => tensor.dataSync() as Float32Array);
        return {
          logits: result.logits.dataSync() as Float32Array,
          last: model.run(passOf(model, batch, { logitsAt: 'last' })).logits.dataSync() as Float32Array,
          decoder: read(result.attentions),
          encoder: read(result.encoderAttentions),
          cross: read(result.crossAttentions),
          shapes: [result.logits.shape, result.attentions?.[0].shape, result.encoderAttentions?.[0].shape, result.crossAttentions?.[0].shape],
        };
      });
      expect(tf.memory().numTensors).toBe(before);
      const heads = out.decoder[0].length / (2 * targetLength * targetLength);
      expect(out.shapes).toEqual([
        [2, targetLength, vocab],
        [2, heads, targetLength, targetLength],
        [2, heads, sourceLength, sourceLength],
        [2, heads, targetLength, sourceLength],
      ]);
      const worst = { logits: 0, last: 0, decoder: 0, encoder: 0, cross: 0 };
      for (let b = 0; b < 2; b++) {
        const reference = referenceRow(b);
        const padding = batch.targetMask[b].indexOf(1);
        const length = targetLength - padding;
        const ours = (t: number) => out.logits.subarray((b * targetLength + padding + t) * vocab, (b * targetLength + padding + t + 1) * vocab);
        for (let t = 0; t < length; t++) worst.logits = Math.max(worst.logits, maxAbsDiff(ours(t), reference.logits.subarray(t * vocab, (t + 1) * vocab)));
        worst.last = Math.max(worst.last, maxAbsDiff(out.last.subarray(b * vocab, (b + 1) * vocab), reference.logits.subarray((length - 1) * vocab, length * vocab)));
        for (let layer = 0; layer < out.encoder.length; layer++) {
          const size = heads * sourceLength * sourceLength;
          worst.encoder = Math.max(worst.encoder, maxAbsDiff(out.encoder[layer].subarray(b * size, (b + 1) * size), reference.encoderAttentions![layer]));
        }
        for (let layer = 0; layer < out.decoder.length; layer++) {
          for (let h = 0; h < heads; h++) {
            for (let t = 0; t < length; t++) {
              const row = (((b * heads + h) * targetLength + padding + t) * targetLength);
              // Padded keys get exactly zero weight; real keys the reference's.
              const expected = [...new Array(padding).fill(0), ...reference.decoderAttentions![layer].subarray((h * length + t) * length, (h * length + t + 1) * length)];
              worst.decoder = Math.max(worst.decoder, maxAbsDiff(out.decoder[layer].subarray(row, row + targetLength), expected));
              const crossRow = ((b * heads + h) * targetLength + padding + t) * sourceLength;
              const crossExpected = reference.crossAttentions![layer].subarray((h * length + t) * sourceLength, (h * length + t + 1) * sourceLength);
              worst.cross = Math.max(worst.cross, maxAbsDiff(out.cross[layer].subarray(crossRow, crossRow + sourceLength), crossExpected));
            }
          }
        }
      }
      expect(out.decoder.length).toBe(model.config.numLayers);
      for (const [what, value] of Object.entries(worst)) expect(value, what).toBeLessThan(1e-4);
      // Logits that spread (an untrained model is not flat), so the comparison means something.
      expect(Math.max(...out.last) - Math.min(...out.last)).toBeGreaterThan(1);
    });

    it('gradients w.r.t. the encoder and decoder embeddings equal central differences of the float64 reference', () => {
      const b = 1;
      const real = batch.target[b].filter((_, t) => batch.targetMask[b][t] === 1);
      const one: Seq2SeqBatch = { source: [batch.source[b]], sourceMask: [batch.sourceMask[b]], target: [real], targetMask: [real.map(() => 1)] };
      const targetId = 23;
      const [sourceEmbeds, targetEmbeds] = tf.tidy(() => {
        const pass = passOf(model, one);
        return [pass.encoder!.inputsEmbeds, pass.inputsEmbeds];
      });
      const pass: CausalLmPass = {
        inputsEmbeds: targetEmbeds,
        attentionMask: intTensorFromRows([one.targetMask[0].slice()]),
        logitsAt: 'last',
        encoder: { inputsEmbeds: sourceEmbeds, attentionMask: intTensorFromRows([one.sourceMask[0].slice()]) },
      };
      const objective = (source: tf.Tensor, target: tf.Tensor) =>
        tf.sum(tf.slice(model.run({ ...pass, inputsEmbeds: target as tf.Tensor3D, encoder: { ...pass.encoder!, inputsEmbeds: source as tf.Tensor3D } }).logits, [0, targetId], [1, 1]));
      const before = tf.memory().numTensors;
      const { value, grads } = tf.valueAndGrads(objective)([sourceEmbeds, targetEmbeds]);
      const [sourceGrad, targetGrad] = grads.map((grad) => grad.dataSync() as Float32Array);
      const modelValue = value.dataSync()[0];
      tf.dispose([value, ...grads]);
      expect(tf.memory().numTensors).toBe(before);
      const sourceFlat = Float64Array.from(sourceEmbeds.dataSync());
      const targetFlat = Float64Array.from(targetEmbeds.dataSync());
      const nested = (flat: Float64Array, length: number, scale: number) => [Array.from({ length }, (_, s) => Array.from(flat.subarray(s * dModel, (s + 1) * dModel), (v) => v * scale))];
      const reference = (source: Float64Array, target: Float64Array) =>
        referenceEncoderDecoderForward(tiny.weights, config, one.source, one.sourceMask, one.target, one.targetMask, {
          encoderInputsEmbeds: nested(source, sourceLength, scales.encoder),
          decoderInputsEmbeds: nested(target, real.length, scales.decoder),
        }).logits[(real.length - 1) * vocab + targetId];
      expect(modelValue).toBeCloseTo(reference(sourceFlat, targetFlat), 4);
      const check = (gradient: Float32Array, expected: number, scale: number) =>
        expect(Math.abs(gradient[0] - expected)).toBeLessThanOrEqual(1e-4 * scale + 1e-2 * Math.abs(expected));
      const scaleOf = (gradient: Float32Array) => gradient.reduce((a, v) => Math.max(a, Math.abs(v)), 0);
      const [sourceScale, targetScale] = [scaleOf(sourceGrad), scaleOf(targetGrad)];
      expect(sourceScale).toBeGreaterThan(1e-2);
      expect(targetScale).toBeGreaterThan(1e-2);
      for (const index of [3, dModel + 5, 2 * dModel + 17, 3 * dModel + 1]) {
        check(sourceGrad.subarray(index), centralDifference((x) => reference(x, targetFlat), sourceFlat, index, 1e-4), sourceScale);
      }
      for (const index of [1, dModel + 9, (real.length - 1) * dModel + 4]) {
        check(targetGrad.subarray(index), centralDifference((x) => reference(sourceFlat, x), targetFlat, index, 1e-4), targetScale);
      }
      tf.dispose([sourceEmbeds, targetEmbeds]);
    });

    it('returns both stacks’ hidden states, taps every named layer, zeroes value vectors, records and rescales the non-linearities', () => {
      const names = model.layerNames();
      const before = tf.memory().numTensors;
      tf.tidy(() => {
        const pass = passOf(model, batch);
        const plain = model.run(pass);
        const states = model.run({ ...pass, outputHiddenStates: true });
        expect(states.hiddenStates).toHaveLength(model.config.numLayers + 1);
        expect(states.encoderHiddenStates).toHaveLength(names.filter((name) => /^(model\.)?encoder\.(layers|block)\.\d+$/.test(name)).length + 1);
        expect(states.encoderHiddenStates?.[0].shape).toEqual([2, sourceLength, dModel]);
        expect(maxAbsDiff(states.logits.dataSync(), plain.logits.dataSync())).toBe(0);
        for (const name of names) {
          // Capturing leaves the pass unchanged; replacing by a scaled, shifted copy (no norm is invariant to both) changes the logits.
          const captured = model.run({ ...pass, layer: { name, apply: (x) => x } });
          expect(captured.layerActivation, name).toBeDefined();
          expect(maxAbsDiff(captured.logits.dataSync(), plain.logits.dataSync()), name).toBe(0);
          const replaced = model.run({ ...pass, layer: { name, apply: (x) => tf.add(tf.mul(x, 1.5), 0.5) } });
          expect(maxAbsDiff(replaced.logits.dataSync(), plain.logits.dataSync()), name).toBeGreaterThan(1e-6);
        }
        const zeroed = model.run({ ...pass, zeroValues: { layer: model.config.numLayers - 1, positions: Int32Array.of(2, -1) } });
        const [clean, changed] = [plain.logits.dataSync(), zeroed.logits.dataSync()];
        const row = (data: ArrayLike<number>, b: number, t: number) => Array.from({ length: vocab }, (_, v) => data[(b * targetLength + t) * vocab + v]);
        expect(maxAbsDiff(row(changed, 0, 1), row(clean, 0, 1))).toBe(0);
        expect(maxAbsDiff(row(changed, 0, 2), row(clean, 0, 2))).toBeGreaterThan(1e-6);
        expect(maxAbsDiff(changed.subarray(targetLength * vocab), clean.subarray(targetLength * vocab))).toBe(0);
        // Dropout passes: the same seed gives the same logits, which differ from the plain pass.
        const dropped = (seed: number) => model.run({ ...pass, dropout: seededDropout(seed) }).logits.dataSync();
        expect(maxAbsDiff(dropped(7), dropped(7))).toBe(0);
        expect(maxAbsDiff(dropped(7), clean)).toBeGreaterThan(1e-3);
        const recorded = model.run({ ...pass, recordNonlinearityInputs: true }).nonlinearityInputs!;
        expect(recorded.length).toBe(names.filter((name) => /\.(layers|block)\.\d+$/.test(name)).length);
        // Against a reference equal to the input, Rescale falls back to f′: the gradients equal the plain ones.
        const objective = (rescale: boolean) => (target: tf.Tensor) =>
          tf.sum(model.run({ ...pass, inputsEmbeds: target as tf.Tensor3D, rescaleReferences: rescale ? recorded : undefined }).logits);
        const [plainGrad, rescaledGrad] = [tf.grad(objective(false))(pass.inputsEmbeds), tf.grad(objective(true))(pass.inputsEmbeds)];
        expect(maxAbsDiff(plainGrad.dataSync(), rescaledGrad.dataSync())).toBeLessThan(1e-6);
      });
      expect(tf.memory().numTensors).toBe(before);
    });
  });
}
