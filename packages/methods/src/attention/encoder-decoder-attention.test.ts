import type { Tensor } from '@inseq/core';
import { describe, expect, it } from 'vitest';
import { decoderMask, encoderDecoderStep, model, sourceMask } from '../gradient/encoder-decoder-step.test-support';
import { layerDeeplift } from '../layer/layer-deeplift';
import { layerGradientXActivation } from '../layer/layer-gradient-x-activation';
import { layerIntegratedGradients } from '../layer/layer-integrated-gradients';
import { attention } from './attention';
import { attentionRollout } from './attention-rollout';

const { layers, heads } = model;

async function modelAttentions() {
  const ctx = await encoderDecoderStep(attention);
  const out = await model.backend.forward({
    inputIds: ctx.inputIds,
    attentionMask: ctx.attentionMask,
    encoder: { inputIds: ctx.encoder!.inputIds, attentionMask: ctx.encoder!.attentionMask },
    outputAttentions: true,
  });
  return { decoder: out.attentions!, cross: out.crossAttentions!, encoder: out.encoderAttentions! };
}

/** Head-mean of `tensor` for batch row b, restricted to `queries` × `keys` (padded positions). */
const headMean = (tensor: Tensor, b: number, queries: number[], keys: number[]) => {
  const [, h, q, k] = tensor.shape;
  return queries.map((i) =>
    keys.map((j) => {
      let mean = 0;
      for (let head = 0; head < h; head++) mean += tensor.data[((b * h + head) * q + i) * k + j] / h;
      return mean;
    }),
  );
};
const residual = (a: number[][]) =>
  a.map((row, i) => {
    const mixed = row.map((v, j) => (v + (i === j ? 1 : 0)) / 2);
    const total = mixed.reduce((x, y) => x + y, 0);
    return mixed.map((v) => v / total);
  });
const product = (a: number[][], b: number[][]) => a.map((row) => b[0].map((_, j) => row.reduce((acc, v, k) => acc + v * b[k][j], 0)));
const real = (mask: number[]) => mask.flatMap((m, s) => (m ? [s] : []));

describe('attention methods on an encoder-decoder step', () => {
  it('attention: decoder self-attention and cross-attention of the last decoder query, per layer and head (Inseq)', async () => {
    const out = await attention.attributeStep(await encoderDecoderStep(attention));
    const expected = await modelAttentions();
    expect(out.attributions!.shape).toEqual([2, 3, layers, heads]);
    expect(out.sourceAttributions!.shape).toEqual([2, 3, layers, heads]);
    for (let b = 0; b < 2; b++) {
      for (let l = 0; l < layers; l++) {
        for (let h = 0; h < heads; h++) {
          let targetTotal = 0;
          let sourceTotal = 0;
          for (let s = 0; s < 3; s++) {
            const t = out.attributions!.data[((b * 3 + s) * layers + l) * heads + h];
            const u = out.sourceAttributions!.data[((b * 3 + s) * layers + l) * heads + h];
            expect(t).toBeCloseTo(decoderMask[b][s] ? expected.decoder[l].data[((b * heads + h) * 3 + 2) * 3 + s] : 0, 6);
            expect(u).toBeCloseTo(sourceMask[b][s] ? expected.cross[l].data[((b * heads + h) * 3 + 2) * 3 + s] : 0, 6);
            targetTotal += t;
            sourceTotal += u;
          }
          expect(targetTotal).toBeCloseTo(1, 6);
          expect(sourceTotal).toBeCloseTo(1, 6);
        }
      }
    }
  });

  it('attention_rollout equals the forward product of residual-mixed self, cross and encoder attentions; both sides sum to 1', async () => {
    const out = await attentionRollout.attributeStep(await encoderDecoderStep(attentionRollout));
    const a = await modelAttentions();
    expect(out.attributions!.shape).toEqual([2, 3]);
    expect(out.sourceAttributions!.shape).toEqual([2, 3]);
    for (let b = 0; b < 2; b++) {
      const D = real(decoderMask[b]);
      const S = real(sourceMask[b]);
      let encoderFlow: number[][] = S.map((_, i) => S.map((__, j) => (i === j ? 1 : 0)));
      for (const layer of a.encoder) encoderFlow = product(residual(headMean(layer, b, S, S)), encoderFlow);
      let fromTarget: number[][] = D.map((_, i) => D.map((__, j) => (i === j ? 1 : 0)));
      let fromSource: number[][] = D.map(() => S.map(() => 0));
      for (let l = 0; l < layers; l++) {
        const self = residual(headMean(a.decoder[l], b, D, D));
        fromTarget = product(self, fromTarget).map((row) => row.map((v) => v / 2));
        const crossFlow = product(headMean(a.cross[l], b, D, S), encoderFlow);
        fromSource = product(self, fromSource).map((row, i) => row.map((v, j) => v / 2 + crossFlow[i][j] / 2));
      }
      const last = D.length - 1;
      const targetRow = Array.from(out.attributions!.data.subarray(b * 3, b * 3 + 3));
      const sourceRow = Array.from(out.sourceAttributions!.data.subarray(b * 3, b * 3 + 3));
      expect(targetRow).toEqual([0, 1, 2].map((s) => expect.closeTo(D.includes(s) ? fromTarget[last][D.indexOf(s)] : 0, 6)));
      expect(sourceRow).toEqual([0, 1, 2].map((s) => expect.closeTo(S.includes(s) ? fromSource[last][S.indexOf(s)] : 0, 6)));
      expect([...targetRow, ...sourceRow].reduce((x, y) => x + y, 0)).toBeCloseTo(1, 6);
    }
  });

  it('attributeSequence refuses an encoder-decoder backend (a sequence context has no source)', async () => {
    const ctx = { backend: model.backend, inputIds: { data: Int32Array.of(9, 1), shape: [1, 2] }, attentionMask: { data: Int32Array.of(1, 1), shape: [1, 2] } };
    const sequence = { ...ctx, rows: [{ offset: 0, start: 1, end: 2 }], specialTokenIds: {}, options: {} };
    await expect(attention.attributeSequence!(sequence)).rejects.toThrow(/attention.attributeSequence cannot attribute encoder-decoder/);
    await expect(attentionRollout.attributeSequence!(sequence)).rejects.toThrow(/attention_rollout.attributeSequence cannot/);
  });

  it('layer methods need named layers (the closed-form model has none; real seq2seq backends are tested in inseq)', async () => {
    for (const method of [layerIntegratedGradients, layerGradientXActivation, layerDeeplift]) {
      const ctx = await encoderDecoderStep(method as typeof layerIntegratedGradients);
      await expect(method.attributeStep(ctx as never)).rejects.toThrow(new RegExp(`${method.name} needs named layers`));
    }
  });
});
