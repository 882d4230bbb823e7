import { type EncoderInput, type ModelBackend, intTensorFromRows, memoryModelFiles } from '@inseq/core';
import {
  createTinyMarian,
  encodeOnnxModel,
  marianDecoderOnnxSpec,
  marianEncoderOnnxSpec,
  maxAbsDiff,
  referenceEncoderDecoderForward,
  tinyMarianOnnxFiles,
  toFloat16OnnxModel,
} from '@inseq/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadOrtBackend } from '../load-ort-backend';
import { ortBackendLoader } from '../ort-backend-loader';

const { weights, config } = createTinyMarian();
const vocab = config.vocab_size as number;
const pad = config.pad_token_id as number;
const eos = config.eos_token_id as number;
const heads = config.decoder_attention_heads as number;
const layers = config.decoder_layers as number;

// Right-padded sources ending in </s>, as Marian's tokenizer pads them.
const sourceRows = [
  [12, 7, 301, 45, eos],
  [88, 5, eos],
  [640, 2, 19, eos],
];
const sourceWidth = Math.max(...sourceRows.map((row) => row.length));
const source: EncoderInput = {
  inputIds: intTensorFromRows(sourceRows.map((row) => [...row, ...new Array(sourceWidth - row.length).fill(pad)])),
  attentionMask: intTensorFromRows(sourceRows.map((row) => [...row.map(() => 1), ...new Array(sourceWidth - row.length).fill(0)])),
};
const sourceIds = (b: number) => Array.from(source.inputIds.data.subarray(b * sourceWidth, (b + 1) * sourceWidth));
const sourceMask = (b: number) => Array.from(source.attentionMask.data.subarray(b * sourceWidth, (b + 1) * sourceWidth));

/** The float64 reference logits of row `b` with an unpadded decoder prefix, `[prefix.length, vocab]`. */
function referenceRow(b: number, prefix: number[]): Float64Array {
  return referenceEncoderDecoderForward(weights, config, [sourceIds(b)], [sourceMask(b)], [prefix], [prefix.map(() => 1)]).logits;
}

/** Left-pads decoder prefixes with `pad`. */
function leftPadded(prefixes: number[][]): { inputIds: ReturnType<typeof intTensorFromRows>; attentionMask: ReturnType<typeof intTensorFromRows> } {
  const width = Math.max(...prefixes.map((row) => row.length));
  return {
    inputIds: intTensorFromRows(prefixes.map((row) => [...new Array(width - row.length).fill(pad), ...row])),
    attentionMask: intTensorFromRows(prefixes.map((row) => [...new Array(width - row.length).fill(0), ...row.map(() => 1)])),
  };
}

/** Core's greedy seq2seq contract as a plain loop over `forward` (no cache): forced first token, stop id kept. */
async function greedyOverForward(backend: ModelBackend, prefixes: number[][], options: { maxNewTokens: number; stopIds: number[]; forcedBosTokenId?: number }) {
  const sequences = prefixes.map((prefix) => [...prefix]);
  for (const [b, sequence] of sequences.entries()) {
    const row: EncoderInput = { inputIds: intTensorFromRows([sourceIds(b)]), attentionMask: intTensorFromRows([sourceMask(b)]) };
    for (let step = 0; step < options.maxNewTokens; step++) {
      const { logits } = await backend.forward({ ...leftPadded([sequence]), encoder: row });
      let best = 0;
      for (let v = 1; v < vocab; v++) if (logits.data[v] > logits.data[best]) best = v;
      if (step === 0 && options.forcedBosTokenId !== undefined) best = options.forcedBosTokenId;
      sequence.push(best);
      if (options.stopIds.includes(best)) break;
    }
  }
  return sequences;
}

describe('ort backend on a Marian export (transformers.js layout)', () => {
  let backend: ModelBackend;
  let withPast: ModelBackend;
  beforeAll(async () => {
    backend = await loadOrtBackend(memoryModelFiles(tinyMarianOnnxFiles({ outputAttentions: true }), 'tiny-marian'), { intraOpNumThreads: 1 });
    withPast = await loadOrtBackend(memoryModelFiles(tinyMarianOnnxFiles({ withPast: true }), 'tiny-marian-past'), { intraOpNumThreads: 1 });
  });
  afterAll(async () => {
    await backend?.dispose();
    await withPast?.dispose();
  });

  it("reads Marian's config.json (d_model, decoder layers and heads, decoder_start_token_id)", () => {
    expect(backend.name).toBe('ort');
    expect(backend.config).toMatchObject({ modelType: 'marian', isEncoderDecoder: true, hiddenSize: 32, numLayers: layers, numHeads: heads, vocabSize: vocab, decoderStartTokenId: pad });
    expect(backend.capabilities).toMatchObject({ forward: true, gradients: true, embeddingInputs: true, attentions: true });
    expect(withPast.capabilities.attentions).toBe(false);
    expect(typeof withPast.generate).toBe('function');
  });

  it('gives the float64 reference logits within 1e-4 for a right-padded source batch (last position and all)', async () => {
    const prefixes = [
      [pad, 17, 230, 9],
      [pad, 402, 3, 61],
      [pad, 5, 5, 700],
    ];
    const input = { ...leftPadded(prefixes), encoder: source };
    const last = await backend.forward(input);
    const all = await backend.forward({ ...input, logitsAt: 'all' });
    expect(last.logits.shape).toEqual([3, vocab]);
    expect(all.logits.shape).toEqual([3, 4, vocab]);
    for (const [b, prefix] of prefixes.entries()) {
      const reference = referenceRow(b, prefix);
      expect(maxAbsDiff(all.logits.data.subarray(b * 4 * vocab, (b + 1) * 4 * vocab), reference)).toBeLessThan(1e-4);
      expect(maxAbsDiff(last.logits.data.subarray(b * vocab, (b + 1) * vocab), reference.subarray(3 * vocab))).toBeLessThan(1e-4);
    }
  });

  it('left-padded decoder prefixes of different lengths equal each unpadded row (positions follow the mask)', async () => {
    const prefixes = [[pad, 17, 230, 9, 44], [pad], [pad, 402, 3]];
    const out = await withPast.forward({ ...leftPadded(prefixes), encoder: source });
    for (const [b, prefix] of prefixes.entries()) {
      const reference = referenceRow(b, prefix);
      expect(maxAbsDiff(out.logits.data.subarray(b * vocab, (b + 1) * vocab), reference.subarray((prefix.length - 1) * vocab))).toBeLessThan(1e-4);
    }
  });

  it('returns decoder self- and cross-attentions of the reference, zero at padded positions', async () => {
    const prefixes = [[pad, 17, 230], [pad, 402], [pad, 5, 5]];
    const out = await backend.forward({ ...leftPadded(prefixes), encoder: source, outputAttentions: true });
    expect(out.attentions).toHaveLength(layers);
    expect(out.crossAttentions?.[0].shape).toEqual([3, heads, 3, sourceWidth]);
    for (const [b, prefix] of prefixes.entries()) {
      const padding = 3 - prefix.length;
      const reference = referenceEncoderDecoderForward(weights, config, [sourceIds(b)], [sourceMask(b)], [prefix], [prefix.map(() => 1)], { outputAttentions: true });
      for (let layer = 0; layer < layers; layer++) {
        for (let h = 0; h < heads; h++) {
          for (let t = 0; t < 3; t++) {
            const crossRow = out.crossAttentions![layer].data.subarray(((b * heads + h) * 3 + t) * sourceWidth, ((b * heads + h) * 3 + t + 1) * sourceWidth);
            const selfRow = out.attentions![layer].data.subarray(((b * heads + h) * 3 + t) * 3, ((b * heads + h) * 3 + t + 1) * 3);
            if (t < padding) {
              expect(Array.from(crossRow).every((v) => v === 0) && Array.from(selfRow).every((v) => v === 0)).toBe(true);
              continue;
            }
            const q = t - padding;
            const n = prefix.length;
            expect(maxAbsDiff(crossRow, reference.crossAttentions![layer].subarray(((h * n) + q) * sourceWidth, ((h * n) + q + 1) * sourceWidth))).toBeLessThan(1e-5);
            expect(maxAbsDiff(selfRow.subarray(padding), reference.decoderAttentions![layer].subarray((h * n + q) * n, (h * n + q + 1) * n))).toBeLessThan(1e-5);
          }
        }
      }
    }
  });

  it('greedy generation with and without the cache equals a plain greedy loop over forward; eos kept, forced bos honoured', async () => {
    const prefixes = [[pad], [pad, 402], [pad]];
    const free = await greedyOverForward(backend, prefixes, { maxNewTokens: 6, stopIds: [] });
    // A stop id taken from the free run: the row that meets it ends there and keeps it.
    const stop = free[0][3];
    const options = { maxNewTokens: 6, stopIds: [stop], padId: pad, encoder: source };
    const expected = await greedyOverForward(backend, prefixes, { maxNewTokens: 6, stopIds: [stop] });
    expect(expected[0]).toEqual(free[0].slice(0, free[0].indexOf(stop, 1) + 1));
    expect(expected[0].length).toBeLessThan(7);
    expect(await withPast.generate!(prefixes, options)).toEqual(expected);
    expect(await backend.generate!(prefixes, options)).toEqual(expected);
    const forced = await greedyOverForward(backend, prefixes, { maxNewTokens: 4, stopIds: [], forcedBosTokenId: 77 });
    expect(forced.every((row) => row.includes(77))).toBe(true);
    expect(await withPast.generate!(prefixes, { ...options, stopIds: [], maxNewTokens: 4, forcedBosTokenId: 77 })).toEqual(forced);
  });

  it('says what is missing: the source in forward and generate', async () => {
    await expect(backend.forward(leftPadded([[pad, 4]]))).rejects.toThrow(/needs `encoder`/);
    await expect(withPast.generate!([[pad]], { maxNewTokens: 2, stopIds: [], padId: pad })).rejects.toThrow(/generate of the encoder-decoder model 'marian' needs `encoder`/);
    await expect(withPast.forward({ ...leftPadded([[pad, 4]]), encoder: source })).rejects.toThrow(/encoder.inputIds has 3 rows but the decoder side has 1/);
  });
});

describe('loading Marian exports', () => {
  const files = tinyMarianOnnxFiles({ withPast: true });

  it('lists what a folder without the encoder or decoder graph has', async () => {
    const { 'onnx/encoder_model.onnx': _, ...noEncoder } = files;
    await expect(loadOrtBackend(memoryModelFiles(noEncoder, 'm'))).rejects.toThrow(
      /m is an encoder-decoder model \(marian\) but has no onnx\/encoder_model.onnx; it has onnx\/decoder_model.onnx, onnx\/decoder_with_past_model.onnx/,
    );
    const { 'onnx/decoder_model.onnx': _decoder, ...noDecoder } = files;
    await expect(loadOrtBackend(memoryModelFiles(noDecoder, 'm'))).rejects.toThrow(
      /m is an encoder-decoder model \(marian\) but has no onnx\/decoder_model_merged.onnx or onnx\/decoder_model.onnx; it has onnx\/decoder_with_past_model.onnx, onnx\/encoder_model.onnx/,
    );
  });

  it('runs a merged decoder (decoder_model_merged.onnx, preferred as in transformers.js): reference logits, greedy loop', async () => {
    const { 'onnx/decoder_model.onnx': _, ...mergedOnly } = tinyMarianOnnxFiles({ merged: true });
    const merged = await loadOrtBackend(memoryModelFiles(mergedOnly, 'merged'), { intraOpNumThreads: 1 });
    const separate = await loadOrtBackend(memoryModelFiles(tinyMarianOnnxFiles(), 'separate'), { intraOpNumThreads: 1 });
    try {
      const prefixes = [[pad, 17, 230], [pad], [pad, 402]];
      const out = await merged.forward({ ...leftPadded(prefixes), encoder: source });
      for (const [b, prefix] of prefixes.entries()) {
        const reference = referenceRow(b, prefix);
        expect(maxAbsDiff(out.logits.data.subarray(b * vocab, (b + 1) * vocab), reference.subarray((prefix.length - 1) * vocab))).toBeLessThan(1e-4);
      }
      const options = { maxNewTokens: 5, stopIds: [], padId: pad, encoder: source };
      const expected = await greedyOverForward(separate, prefixes, options);
      expect(await merged.generate!(prefixes, options)).toEqual(expected);
    } finally {
      await merged.dispose();
      await separate.dispose();
    }
  });

  it.each([
    ['onnx/ (transformers.js)', (name: string) => name],
    ['the folder root (Optimum)', (name: string) => name.replace(/^onnx\//, '')],
  ])("runs Optimum's If-merged decoder (If on use_cache_branch) from %s: reference logits, greedy loop, embeddings", async (_, place) => {
    const { 'onnx/decoder_model.onnx': _d, ...mergedOnly } = tinyMarianOnnxFiles({ merged: 'if' });
    const moved = Object.fromEntries(Object.entries(mergedOnly).map(([name, bytes]) => [place(name), bytes]));
    const merged = await loadOrtBackend(memoryModelFiles(moved, 'if-merged'), { intraOpNumThreads: 1 });
    const separate = await loadOrtBackend(memoryModelFiles(tinyMarianOnnxFiles(), 'separate'), { intraOpNumThreads: 1 });
    try {
      expect(await ortBackendLoader.canLoad(memoryModelFiles(moved, 'if-merged'))).toBe(true);
      const prefixes = [[pad, 17, 230], [pad], [pad, 402]];
      const out = await merged.forward({ ...leftPadded(prefixes), encoder: source });
      for (const [b, prefix] of prefixes.entries()) {
        const reference = referenceRow(b, prefix);
        expect(maxAbsDiff(out.logits.data.subarray(b * vocab, (b + 1) * vocab), reference.subarray((prefix.length - 1) * vocab))).toBeLessThan(1e-4);
      }
      const options = { maxNewTokens: 5, stopIds: [], padId: pad, encoder: source };
      expect(await merged.generate!(prefixes, options)).toEqual(await greedyOverForward(separate, prefixes, options));
      // The decoder's table is found inside the If branches (the Gather of input_ids there), the encoder's in its graph;
      // embed returns the attributed tensor, the rows × √d_model in float32, as the graph's scale Mul computes them.
      const hidden = config.d_model as number;
      const ids = intTensorFromRows([[3, 640, pad]]);
      const table = weights['model.shared.weight'].data;
      const scale = Math.fround(Math.sqrt(hidden));
      const expected = Float64Array.from([3, 640, pad].flatMap((id) => Array.from(table.subarray(id * hidden, (id + 1) * hidden), (v) => Math.fround(v * scale))));
      expect(maxAbsDiff((await merged.embed(ids, 'decoder')).data, expected)).toBe(0);
      expect(maxAbsDiff((await merged.embed(ids, 'encoder')).data, expected)).toBe(0);
    } finally {
      await merged.dispose();
      await separate.dispose();
    }
  });

  it('loads the fp16 graphs (float16 weights, encoder states and cache) by dtype suffix', async () => {
    const { 'onnx/encoder_model.onnx': _e, 'onnx/decoder_model.onnx': _d, 'onnx/decoder_with_past_model.onnx': _p, ...rest } = files;
    const fp16 = {
      ...rest,
      'onnx/encoder_model_fp16.onnx': encodeOnnxModel(toFloat16OnnxModel(marianEncoderOnnxSpec(weights, config))),
      'onnx/decoder_model_fp16.onnx': encodeOnnxModel(toFloat16OnnxModel(marianDecoderOnnxSpec(weights, config))),
      'onnx/decoder_with_past_model_fp16.onnx': encodeOnnxModel(toFloat16OnnxModel(marianDecoderOnnxSpec(weights, config, { withPast: true }))),
    };
    await expect(loadOrtBackend(memoryModelFiles(fp16, 'm'))).rejects.toThrow(/has no onnx\/encoder_model.onnx.*it has .*onnx\/encoder_model_fp16.onnx/);
    expect(await ortBackendLoader.canLoad(memoryModelFiles(fp16, 'm'))).toBe(true);
    const half = await loadOrtBackend(memoryModelFiles(fp16, 'm'), { dtype: 'fp16', intraOpNumThreads: 1 });
    try {
      // Differentiated as float32 (see ort-seq2seq-gradient-dtypes.test.ts).
      expect(half.capabilities.gradients).toBe(true);
      const prefixes = [[pad, 17, 230], [pad], [pad, 402]];
      const out = await half.forward({ ...leftPadded(prefixes), encoder: source });
      for (const [b, prefix] of prefixes.entries()) {
        const reference = referenceRow(b, prefix);
        // float16 rounding of weights and encoder states only.
        expect(maxAbsDiff(out.logits.data.subarray(b * vocab, (b + 1) * vocab), reference.subarray((prefix.length - 1) * vocab))).toBeLessThan(5e-2);
      }
      const options = { maxNewTokens: 4, stopIds: [], padId: pad, encoder: source };
      expect(await half.generate!(prefixes, options)).toEqual(await greedyOverForward(half, prefixes, options));
    } finally {
      await half.dispose();
    }
  });

  it('names found and expected graph inputs', async () => {
    const swapped = { ...files, 'onnx/decoder_model.onnx': files['onnx/encoder_model.onnx'] };
    await expect(loadOrtBackend(memoryModelFiles(swapped, 'm'))).rejects.toThrow(
      /m\/onnx\/decoder_model.onnx has inputs \[input_ids, attention_mask\]; the ort backend expects inputs \[input_ids, encoder_attention_mask, encoder_hidden_states\].*missing: encoder_attention_mask, encoder_hidden_states; unexpected: attention_mask/,
    );
  });

  it('ortBackendLoader takes a Marian folder with the encoder/decoder pair and explains one without', async () => {
    expect(await ortBackendLoader.canLoad(memoryModelFiles(files, 'm'))).toBe(true);
    const { 'onnx/decoder_model.onnx': _, ...noDecoder } = files;
    expect(await ortBackendLoader.canLoad(memoryModelFiles(noDecoder, 'm'))).toMatch(/m has no encoder-decoder ONNX export/);
    const loaded = await ortBackendLoader.load(memoryModelFiles(files, 'm'));
    expect(loaded.config.isEncoderDecoder).toBe(true);
    await loaded.dispose();
  });

  it('refuses encoder-decoder model types it does not run', async () => {
    const pegasus = { ...files, 'config.json': new TextEncoder().encode(JSON.stringify({ ...config, model_type: 'pegasus' })) };
    await expect(loadOrtBackend(memoryModelFiles(pegasus, 'm'))).rejects.toThrow(
      /encoder-decoder exports of model_type marian, bart, mbart, t5; got "pegasus" \(is_encoder_decoder: true\)\. It runs decoder-only exports of gpt2/,
    );
  });
});
