import { loadOrtBackend } from '@inseq/backend-ort';
import { type GradientInput, type IntTensor, type ModelBackend, type Tensor, intTensorFromRows, logit, memoryModelFiles } from '@inseq/core';
import {
  type NamedWeight,
  createTinyBart,
  createTinyGpt2,
  createTinyLlama,
  createTinyMarian,
  createTinyT5,
  tinyBartOnnxFiles,
  tinyGpt2OnnxFiles,
  tinyLlamaOnnxFiles,
  tinyMarianOnnxFiles,
  tinyT5OnnxFiles,
} from '@inseq/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel } from './load-model';

/**
 * The tensor each architecture attributes (docs/attributed-embeddings.md), on both backends:
 * `embed` equals the token table's rows from model.safetensors (the ONNX exports are built from
 * the same weights) × the documented scale, forward from those embeddings equals forward from the
 * ids (so the model does not scale them again), and the gradient equals a central difference of
 * the logit with respect to that very tensor.
 */
interface Case {
  readonly name: string;
  /** The Hugging Face folder and its safetensors weights. */
  readonly tiny: () => { readonly files: Record<string, Uint8Array>; readonly weights: Record<string, NamedWeight> };
  /** The ONNX export of the same weights. */
  readonly onnx: () => Record<string, Uint8Array>;
  /** Each side's table name in model.safetensors (decoder-only: decoder). */
  readonly tables: { readonly encoder?: string; readonly decoder: string };
  /** The documented factor over the table rows: HF's embed_scale where Inseq attributes after it, else 1. */
  readonly scale: number;
}

// Gemma multiplies inputs_embeds by √hidden inside GemmaModel.forward: Inseq attributes the lookup (scale 1).
const llama = (family: 'llama' | 'mistral' | 'qwen2' | 'gemma'): Case => ({
  name: family,
  tiny: () => createTinyLlama({ family }),
  onnx: () => tinyLlamaOnnxFiles({ family }),
  tables: { decoder: 'model.embed_tokens.weight' },
  scale: 1,
});
const shared = { encoder: 'model.shared.weight', decoder: 'model.shared.weight' };
const cases: Case[] = [
  { name: 'gpt2', tiny: () => createTinyGpt2(), onnx: () => tinyGpt2OnnxFiles(), tables: { decoder: 'transformer.wte.weight' }, scale: 1 },
  llama('llama'),
  llama('mistral'),
  llama('qwen2'),
  llama('gemma'),
  { name: 'marian', tiny: () => createTinyMarian(), onnx: () => tinyMarianOnnxFiles(), tables: shared, scale: Math.sqrt(32) },
  { name: 'bart', tiny: () => createTinyBart(), onnx: () => tinyBartOnnxFiles(), tables: shared, scale: 1 },
  {
    name: 'bart (scale_embedding)',
    tiny: () => createTinyBart({ scaleEmbedding: true }),
    onnx: () => tinyBartOnnxFiles({ scaleEmbedding: true }),
    tables: shared,
    scale: Math.sqrt(32),
  },
  { name: 'mbart', tiny: () => createTinyBart({ family: 'mbart' }), onnx: () => tinyBartOnnxFiles({ family: 'mbart' }), tables: shared, scale: Math.sqrt(32) },
  // Gated GELU: T5's default ReLU has kinks a finite difference may straddle.
  {
    name: 't5',
    tiny: () => createTinyT5({ feedForwardProj: 'gated-gelu' }),
    onnx: () => tinyT5OnnxFiles({ feedForwardProj: 'gated-gelu' }),
    tables: { encoder: 'shared.weight', decoder: 'shared.weight' }, scale: 1 },
];

const rowsTimes = (table: NamedWeight, ids: readonly number[], scale: number): Float32Array => {
  const hidden = table.shape[1] as number;
  const factor = Math.fround(scale);
  return Float32Array.from(ids.flatMap((id) => Array.from(table.data.subarray(id * hidden, (id + 1) * hidden), (v) => v * factor)));
};
const maxAbs = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((worst, v, i) => Math.max(worst, Math.abs(v - (b[i] as number))), 0);

describe.each(cases.flatMap((c) => (['tfjs', 'ort'] as const).map((backend) => [`${c.name} · ${backend}`, c, backend] as const)))(
  'the attributed tensor of %s',
  (_, c, kind) => {
    let backend: ModelBackend;
    let weights: Record<string, NamedWeight>;
    // The ONNX seq2seq gradients are checked against tfjs on the same weights in backend-ort's
    // ort-seq2seq-gradients.test.ts (and the cut in build-seq2seq-gradient-model.test.ts); here
    // their embed and forward, without building the joined gradient graph again.
    const differentiate = kind === 'tfjs' || !c.tables.encoder;
    beforeAll(async () => {
      const tiny = c.tiny();
      weights = tiny.weights;
      const folder = memoryModelFiles(kind === 'tfjs' ? tiny.files : c.onnx(), c.name);
      backend = kind === 'tfjs' ? (await loadModel(folder)).backend : await loadOrtBackend(folder, { intraOpNumThreads: 1 });
    });
    afterAll(() => backend?.dispose());

    it('is the table rows × the documented scale; forward takes it as is; its gradients are central differences of the logit', async () => {
      const decoderIds = [5, 17, 9];
      const sourceIds = [11, 4, 7, 2];
      const ids: IntTensor = intTensorFromRows([decoderIds]);
      const attentionMask = intTensorFromRows([decoderIds.map(() => 1)]);
      const embeds = await backend.embed(ids, 'decoder');
      expect(maxAbs(embeds.data, rowsTimes(weights[c.tables.decoder] as NamedWeight, decoderIds, c.scale))).toBeLessThan(1e-6);
      let encoder: GradientInput['encoder'];
      if (c.tables.encoder) {
        const inputIds = intTensorFromRows([sourceIds]);
        const inputsEmbeds = await backend.embed(inputIds, 'encoder');
        expect(maxAbs(inputsEmbeds.data, rowsTimes(weights[c.tables.encoder] as NamedWeight, sourceIds, c.scale))).toBeLessThan(1e-6);
        encoder = { inputIds, attentionMask: intTensorFromRows([sourceIds.map(() => 1)]), inputsEmbeds };
      }
      const fromIds = (await backend.forward({ inputIds: ids, attentionMask, ...(encoder && { encoder: { inputIds: encoder.inputIds, attentionMask: encoder.attentionMask } }) })).logits;
      if (!differentiate) return;
      // Forward from embeddings: equal to forward from the ids, so the model does not scale them again.
      const repeat = (t: IntTensor, rows: number): IntTensor => ({ data: Int32Array.from({ length: rows * t.data.length }, (_, i) => t.data[i % t.data.length] as number), shape: [rows, t.shape[1]] });
      const embedsTimes = (t: Tensor, rows: number): Float32Array => Float32Array.from({ length: rows * t.data.length }, (_, i) => t.data[i % t.data.length] as number);
      /** Logits of `targetId` with the decoder's or the source's embeddings replaced by each of `rows` (`[rows.length / size]` rows). */
      const logits = async (side: 'decoder' | 'source', rows: Float32Array): Promise<Float32Array> => {
        const size = side === 'decoder' ? embeds.data.length : (encoder?.inputsEmbeds?.data.length as number);
        const n = rows.length / size;
        const decoderEmbeds: Tensor = side === 'decoder' ? { data: rows, shape: [n, ...embeds.shape.slice(1)] } : { data: embedsTimes(embeds, n), shape: [n, ...embeds.shape.slice(1)] };
        const source = encoder?.inputsEmbeds;
        const batchEncoder = encoder &&
          source && {
            inputIds: repeat(encoder.inputIds, n),
            attentionMask: repeat(encoder.attentionMask, n),
            inputsEmbeds: side === 'source' ? { data: rows, shape: [n, ...source.shape.slice(1)] } : { data: embedsTimes(source, n), shape: [n, ...source.shape.slice(1)] },
          };
        const out = await backend.forward({ inputIds: repeat(ids, n), attentionMask: repeat(attentionMask, n), inputsEmbeds: decoderEmbeds, ...(batchEncoder && { encoder: batchEncoder }) });
        const vocab = out.logits.shape[1] as number;
        return Float32Array.from({ length: n }, (_, r) => out.logits.data[r * vocab + targetId] as number);
      };
      const targetId = 7;
      const vocab = fromIds.shape[1] as number;
      expect(Math.abs((await logits('decoder', Float32Array.from(embeds.data)))[0]! - (fromIds.data[targetId] as number))).toBeLessThan(1e-4);
      expect(vocab).toBeGreaterThan(targetId);
      const out = await backend.gradients!({ inputIds: ids, attentionMask, inputsEmbeds: embeds, targetIds: Int32Array.of(targetId), target: logit.differentiable!, ...(encoder && { encoder }) });
      /** Central differences at `indices` of one side's tensor, all in one batch, with a step of 2 % of the tensor's RMS. */
      const central = async (side: 'decoder' | 'source', tensor: Tensor, indices: readonly number[]): Promise<number[]> => {
        const h = 0.02 * Math.sqrt(Array.from(tensor.data).reduce((sum, v) => sum + v * v, 0) / tensor.data.length);
        const rows = new Float32Array(2 * indices.length * tensor.data.length);
        indices.forEach((index, k) => {
          for (const [r, sign] of [[2 * k, 1], [2 * k + 1, -1]] as const) {
            rows.set(tensor.data, r * tensor.data.length);
            rows[r * tensor.data.length + index] = (tensor.data[index] as number) + sign * h;
          }
        });
        const values = await logits(side, rows);
        return indices.map((_, k) => ((values[2 * k] as number) - (values[2 * k + 1] as number)) / (2 * h));
      };
      const check = (gradient: Tensor, indices: readonly number[], expected: readonly number[]) => {
        for (const [k, index] of indices.entries()) {
          const want = expected[k] as number;
          expect(Math.abs((gradient.data[index] as number) - want), `at ${index}`).toBeLessThan(2e-3 * (1 + Math.abs(want)));
        }
      };
      const hidden = embeds.shape[2];
      const decoderIndices = [3, 2 * hidden + 5];
      check(out.gradients, decoderIndices, await central('decoder', embeds, decoderIndices));
      if (encoder?.inputsEmbeds) {
        const sourceIndices = [1, 3 * hidden + 2];
        check(out.encoderGradients!, sourceIndices, await central('source', encoder.inputsEmbeds, sourceIndices));
      }
    });
  },
);
