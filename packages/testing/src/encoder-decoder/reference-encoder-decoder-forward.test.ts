import { describe, expect, it } from 'vitest';
import { maxAbsDiff } from '../max-abs-diff';
import type { NamedWeight } from '../named-weight';
import { createTinyBart } from './create-tiny-bart';
import { createTinyMarian } from './create-tiny-marian';
import { createTinyT5 } from './create-tiny-t5';
import { referenceEncoderDecoderForward } from './reference-encoder-decoder-forward';
import type { TinySeq2Seq } from './tiny-seq2seq';

const models: Record<string, () => TinySeq2Seq> = {
  marian: () => createTinyMarian(),
  bart: () => createTinyBart(),
  mbart: () => createTinyBart({ family: 'mbart' }),
  t5: () => createTinyT5({ numBuckets: 8, maxDistance: 12 }),
  't5 gated-gelu': () => createTinyT5({ feedForwardProj: 'gated-gelu', numBuckets: 8, maxDistance: 12 }),
};
const source = [40, 410, 274, 268, 266, 352, 17];
const target = [51, 93, 400, 12];
const ones = (row: readonly number[]) => row.map(() => 1);

const setup = (name: string) => {
  const { weights, config } = models[name]();
  const pad = config.pad_token_id as number;
  const start = config.decoder_start_token_id as number;
  const decoder = [start, ...target];
  const run = (encoderIds: number[][], encoderMask: number[][], decoderIds: number[][], decoderMask: number[][], outputAttentions = false) =>
    referenceEncoderDecoderForward(weights, config, encoderIds, encoderMask, decoderIds, decoderMask, { outputAttentions });
  return { weights, config, pad, decoder, vocab: config.vocab_size as number, run };
};

describe('referenceEncoderDecoderForward', () => {
  it.each(Object.keys(models))('%s: right-padded rows equal unpadded ones at real positions', (name) => {
    const { pad, decoder, vocab, run, config } = setup(name);
    const plain = run([source.slice(0, 4)], [[1, 1, 1, 1]], [decoder.slice(0, 3)], [[1, 1, 1]]);
    const batch = run(
      [source, [...source.slice(0, 4), pad, pad, pad]],
      [ones(source), [1, 1, 1, 1, 0, 0, 0]],
      [decoder, [...decoder.slice(0, 3), pad, pad]],
      [ones(decoder), [1, 1, 1, 0, 0]],
    );
    const seq = decoder.length;
    expect(maxAbsDiff(plain.logits, batch.logits.subarray(seq * vocab, (seq + 3) * vocab))).toBeLessThan(1e-9);
    const dModel = config.d_model as number;
    const encoderRow = batch.encoderHiddenState.subarray(source.length * dModel, (source.length + 4) * dModel);
    expect(maxAbsDiff(plain.encoderHiddenState, encoderRow)).toBeLessThan(1e-9);
    // Random weights: logits spread, not flat.
    expect(Math.max(...plain.logits) - Math.min(...plain.logits)).toBeGreaterThan(1);
  });

  it.each(Object.keys(models))('%s: left padding shifts absolute positions (BART, mBART, Marian) but not relative ones (T5)', (name) => {
    const { pad, decoder, run } = setup(name);
    const plain = run([source.slice(0, 4)], [[1, 1, 1, 1]], [decoder], [ones(decoder)]).logits;
    const padded = run([[pad, pad, ...source.slice(0, 4)]], [[0, 0, 1, 1, 1, 1]], [decoder], [ones(decoder)]).logits;
    if (name.startsWith('t5')) expect(maxAbsDiff(plain, padded)).toBeLessThan(1e-9);
    else expect(maxAbsDiff(plain, padded)).toBeGreaterThan(1e-4);
  });

  it.each(Object.keys(models))('%s: the decoder is causal and reads the encoder; the encoder ignores the decoder', (name) => {
    const { decoder, vocab, run } = setup(name);
    const mask = [ones(decoder)];
    const base = run([source], [ones(source)], [decoder], mask, true);
    const changed = run([source], [ones(source)], [[...decoder.slice(0, -1), 99]], mask, true);
    const last = (decoder.length - 1) * vocab;
    expect(maxAbsDiff(base.logits.subarray(0, last), changed.logits.subarray(0, last))).toBe(0);
    expect(maxAbsDiff(base.logits.subarray(last), changed.logits.subarray(last))).toBeGreaterThan(1e-3);
    expect(maxAbsDiff(base.encoderHiddenState, changed.encoderHiddenState)).toBe(0);
    base.encoderAttentions!.forEach((layer, i) => {
      expect(maxAbsDiff(layer, changed.encoderAttentions![i])).toBe(0);
    });
    // Changing the first source token reaches every decoder position through cross-attention.
    const otherSource = run([[99, ...source.slice(1)]], [ones(source)], [decoder], mask).logits;
    for (let t = 0; t < decoder.length; t++) {
      expect(maxAbsDiff(base.logits.subarray(t * vocab, (t + 1) * vocab), otherSource.subarray(t * vocab, (t + 1) * vocab))).toBeGreaterThan(1e-6);
    }
  });

  it.each(Object.keys(models))('%s: attention rows sum to 1; padded, future and masked keys get 0', (name) => {
    const { pad, decoder, run, config } = setup(name);
    const heads = (config.encoder_attention_heads ?? config.num_heads) as number;
    const encoderIds = [pad, ...source, pad];
    const encoderMask = [0, ...ones(source), 0];
    const decoderIds = [...decoder, pad];
    const decoderMask = [...ones(decoder), 0];
    const out = run([encoderIds], [encoderMask], [decoderIds], [decoderMask], true);
    const check = (layers: Float64Array[] | undefined, queries: number, keys: number, hidden: (t: number, s: number) => boolean) => {
      expect(layers!.length).toBe(2);
      for (const layer of layers!) {
        expect(layer.length).toBe(heads * queries * keys);
        for (let h = 0; h < heads; h++) {
          for (let t = 0; t < queries; t++) {
            const row = layer.subarray((h * queries + t) * keys, (h * queries + t + 1) * keys);
            expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
            for (let s = 0; s < keys; s++) if (hidden(t, s)) expect(row[s]).toBe(0);
          }
        }
      }
    };
    const e = encoderIds.length;
    const d = decoderIds.length;
    check(out.encoderAttentions, e, e, (_t, s) => encoderMask[s] === 0);
    check(out.decoderAttentions, d, d, (t, s) => s > t || decoderMask[s] === 0);
    check(out.crossAttentions, d, e, (_t, s) => encoderMask[s] === 0);
  });

  it.each(Object.keys(models))('%s: inputs_embeds give the token path back', (name) => {
    const { weights, config, decoder, run } = setup(name);
    const dModel = config.d_model as number;
    const type = config.model_type;
    const table = (weights['model.shared.weight'] ?? weights['shared.weight']).data;
    const scale = config.scale_embedding ? Math.sqrt(dModel) : 1;
    const rows = (ids: number[], factor: number) => ids.map((id) => Array.from(table.subarray(id * dModel, (id + 1) * dModel), (v) => v * factor));
    // HF's inputs_embeds come after embed_scale, except Marian's decoder, which scales them itself.
    const out = referenceEncoderDecoderForward(weights, config, [source], [ones(source)], [decoder], [ones(decoder)], {
      encoderInputsEmbeds: [rows(source, scale)],
      decoderInputsEmbeds: [rows(decoder, type === 'marian' ? 1 : scale)],
    });
    const plain = run([source], [ones(source)], [decoder], [ones(decoder)]);
    expect(maxAbsDiff(out.logits, plain.logits)).toBeLessThan(1e-12);
  });

  it('lm_head: tied equals a stored copy of the embeddings (BART); T5 scales tied outputs by d_model^-0.5', () => {
    const bart = createTinyBart();
    const decoderIds = [[2, 0, 51, 93]];
    const mask = [[1, 1, 1, 1]];
    const untied: Record<string, NamedWeight> = { ...bart.weights, 'lm_head.weight': bart.weights['model.shared.weight'] };
    const a = referenceEncoderDecoderForward(bart.weights, bart.config, [source], [ones(source)], decoderIds, mask).logits;
    const b = referenceEncoderDecoderForward(untied, { ...bart.config, tie_word_embeddings: false }, [source], [ones(source)], decoderIds, mask).logits;
    expect(maxAbsDiff(a, b)).toBe(0);
    // mBART's final stack norms are applied: dropping the decoder's changes the logits.
    const mbart = createTinyBart({ family: 'mbart' });
    const withNorm = referenceEncoderDecoderForward(mbart.weights, mbart.config, [source], [ones(source)], decoderIds, mask).logits;
    const identity: Record<string, NamedWeight> = {
      ...mbart.weights,
      'model.decoder.layer_norm.weight': { shape: [32], data: new Float32Array(32).fill(1) },
      'model.decoder.layer_norm.bias': { shape: [32], data: new Float32Array(32) },
    };
    const withoutAffine = referenceEncoderDecoderForward(identity, mbart.config, [source], [ones(source)], decoderIds, mask).logits;
    expect(maxAbsDiff(withNorm, withoutAffine)).toBeGreaterThan(1e-3);

    const t5 = createTinyT5();
    const t5Untied: Record<string, NamedWeight> = { ...t5.weights, 'lm_head.weight': t5.weights['shared.weight'] };
    const tied = referenceEncoderDecoderForward(t5.weights, t5.config, [source], [ones(source)], [[0, 51, 93]], [[1, 1, 1]]).logits;
    const plain = referenceEncoderDecoderForward(t5Untied, { ...t5.config, tie_word_embeddings: false }, [source], [ones(source)], [[0, 51, 93]], [[1, 1, 1]]).logits;
    expect(maxAbsDiff(tied, plain.map((v) => v * 32 ** -0.5))).toBeLessThan(1e-12);
  });

  it('rejects unknown model types and ragged batches', () => {
    const { weights, config } = createTinyT5();
    expect(() => referenceEncoderDecoderForward(weights, { ...config, model_type: 'pegasus' }, [[1]], [[1]], [[0]], [[1]])).toThrow(/supported: bart, mbart, marian, t5/);
    expect(() => referenceEncoderDecoderForward(weights, config, [[1, 2], [1]], [[1, 1], [1]], [[0], [0]], [[1], [1]])).toThrow(/same length/);
  });
});
