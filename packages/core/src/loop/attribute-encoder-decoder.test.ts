import { describe, expect, it } from 'vitest';
import { type AttributionMethod, defineMethod, requireTarget } from '../contracts/attribution-method';
import { createRegistry } from '../registry';
import { attribute } from './attribute';
import { linearEncoderDecoderModel } from './linear-encoder-decoder.test-support';
import { linearModel } from './linear-backend.test-support';

const plainGradient = defineMethod({
  name: 'plain_gradient',
  family: 'gradient',
  requires: ['gradients'],
  description: 'd target / d embeddings of source and target (test method).',
  async attributeStep(ctx) {
    const { gradients, encoderGradients } = await ctx.backend.gradients!({ ...ctx, target: requireTarget(ctx, 'plain_gradient') });
    return { attributions: gradients, ...(encoderGradients && { sourceAttributions: encoderGradients }) };
  },
});
const targetOnly = defineMethod({
  name: 'target_only',
  family: 'gradient',
  requires: ['gradients'],
  description: 'Returns target attributions only (test method).',
  async attributeStep(ctx) {
    const { gradients } = await ctx.backend.gradients!({ ...ctx, target: requireTarget(ctx, 'target_only') });
    return { attributions: gradients };
  },
});
const methods = createRegistry<AttributionMethod>('attribution method').register(plainGradient).register(targetOnly);
const tokens = (list: { token: string }[]) => list.map((t) => t.token);

describe('attribute on an encoder-decoder model (Inseq semantics)', () => {
  it('source = encoder tokens with </s>; target = decoder start + generation; source_attributions [len(source), nSteps, hidden]', async () => {
    const model = linearEncoderDecoderModel();
    const out = await attribute(model, 'the cat sat', { method: 'plain_gradient', methods, generatedTexts: 'il gatto dorme' });
    const [sequence] = out.sequence_attributions;
    expect(tokens(sequence.source)).toEqual(['the', 'cat', 'sat', '</s>']);
    expect(tokens(sequence.target)).toEqual(['<pad>', 'il', 'gatto', 'dorme', '</s>']);
    expect([sequence.attr_pos_start, sequence.attr_pos_end]).toEqual([1, 5]);
    expect(sequence.source_attributions!.shape).toEqual([4, 4, 3]);
    expect(Array.from(sequence.source_attributions!.data).every(Number.isFinite)).toBe(true);
    // Without attribute_target, Inseq keeps no target attributions for encoder-decoder models.
    expect(sequence.target_attributions).toBeNull();
  });

  it('attributeTarget keeps [len(target), nSteps, hidden] with NaN on positions not yet generated; no warning', async () => {
    const warnings: string[] = [];
    const model = linearEncoderDecoderModel();
    const out = await attribute(model, 'the cat', {
      method: 'plain_gradient',
      methods,
      generatedTexts: 'il gatto',
      attributeTarget: true,
      onWarning: (message) => warnings.push(message),
    });
    expect(warnings).toEqual([]);
    const sequence = out.sequence_attributions[0];
    const target = sequence.target_attributions!;
    expect(target.shape).toEqual([4, 3, 3]);
    for (let p = 0; p < 4; p++) {
      for (let s = 0; s < 3; s++) {
        const value = target.data[(p * 3 + s) * 3];
        if (p < 1 + s) expect(Number.isFinite(value)).toBe(true);
        else expect(value).toBeNaN();
      }
    }
    // The model sums every embedding: a step's gradient is the same at every source and target position.
    const source = sequence.source_attributions!;
    for (let s = 0; s < 3; s++) {
      for (let h = 0; h < 3; h++) expect(target.data[(0 * 3 + s) * 3 + h]).toBeCloseTo(source.data[(2 * 3 + s) * 3 + h], 5);
    }
  });

  it('a batch with sources of different lengths (right padding) gives each row its own numbers', async () => {
    const model = linearEncoderDecoderModel();
    const options = { method: 'plain_gradient', methods, attributeTarget: true };
    const batched = await attribute(model, ['the cat sat', 'a cat'], { ...options, generatedTexts: ['il gatto dorme', 'il gatto'] });
    const single = [
      await attribute(model, 'the cat sat', { ...options, generatedTexts: 'il gatto dorme' }),
      await attribute(model, 'a cat', { ...options, generatedTexts: 'il gatto' }),
    ];
    batched.sequence_attributions.forEach((sequence, i) => {
      const alone = single[i].sequence_attributions[0];
      expect(sequence.source_attributions!.shape).toEqual(alone.source_attributions!.shape);
      const close = (a: Float32Array, b: Float32Array) => {
        for (const [k, v] of a.entries()) {
          if (Number.isNaN(v)) expect(b[k]).toBeNaN();
          else expect(v).toBeCloseTo(b[k], 5);
        }
      };
      close(sequence.source_attributions!.data, alone.source_attributions!.data);
      close(sequence.target_attributions!.data, alone.target_attributions!.data);
    });
  });

  it('greedy generation starts from the decoder start, keeps the eos, honours tgtLang and target prefixes', async () => {
    const model = linearEncoderDecoderModel();
    const out = await attribute(model, 'the cat', { method: 'plain_gradient', methods, maxNewTokens: 4, stepScores: ['probability'] });
    const target = out.sequence_attributions[0].target.map((t) => t.id);
    expect(target[0]).toBe(0);
    expect(target.length).toBeLessThanOrEqual(5);
    if (target.includes(1)) expect(target.indexOf(1)).toBe(target.length - 1);
    const forced = await attribute(model, 'the cat', { method: 'plain_gradient', methods, maxNewTokens: 2, tgtLang: '__it__' });
    expect(tokens(forced.sequence_attributions[0].target).slice(0, 2)).toEqual(['<pad>', '__it__']);
    const prefixed = await attribute(model, 'the cat', { method: 'plain_gradient', methods, generatedTexts: 'il gatto', generateFromTargetPrefix: true, maxNewTokens: 1 });
    expect(tokens(prefixed.sequence_attributions[0].target).slice(0, 3)).toEqual(['<pad>', 'il', 'gatto']);
    expect(prefixed.sequence_attributions[0].target.length).toBe(4);
  });

  it('step scores see the source: probability equals the softmax of the full pass', async () => {
    const model = linearEncoderDecoderModel();
    const out = await attribute(model, 'the cat', { method: 'plain_gradient', methods, generatedTexts: 'il gatto', stepScores: ['probability'] });
    const sequence = out.sequence_attributions[0];
    const ids = sequence.target.map((t) => t.id);
    const encoder = { inputIds: { data: Int32Array.from([2, 3, 1]), shape: [1, 3] }, attentionMask: { data: Int32Array.from([1, 1, 1]), shape: [1, 3] } };
    for (let step = 0; step < 3; step++) {
      const prefix = Int32Array.from(ids.slice(0, 1 + step));
      const { logits } = await model.backend.forward({
        inputIds: { data: prefix, shape: [1, prefix.length] },
        attentionMask: { data: prefix.map(() => 1), shape: [1, prefix.length] },
        encoder,
      });
      const max = Math.max(...logits.data);
      const total = logits.data.reduce((a, v) => a + Math.exp(v - max), 0);
      expect(sequence.step_scores.probability.data[step]).toBeCloseTo(Math.exp(logits.data[ids[1 + step]] - max) / total, 5);
    }
  });

  it('contrastive targets and sources: contrast_prob_diff = p(target | source) − p(alternative | alternative source)', async () => {
    const model = linearEncoderDecoderModel();
    const out = await attribute(model, 'the cat', {
      method: 'plain_gradient',
      methods,
      generatedTexts: 'il gatto',
      contrastTargets: 'il dorme',
      contrastSources: 'a cat sat',
      attributedFn: 'contrast_prob_diff',
      stepScores: ['contrast_prob_diff', 'probability'],
    });
    const sequence = out.sequence_attributions[0];
    const softmaxAt = (logits: Float32Array, id: number) => {
      const max = Math.max(...logits);
      return Math.exp(logits[id] - max) / logits.reduce((a, v) => a + Math.exp(v - max), 0);
    };
    const forward = async (source: number[], prefix: number[]) =>
      (
        await model.backend.forward({
          inputIds: { data: Int32Array.from(prefix), shape: [1, prefix.length] },
          attentionMask: { data: Int32Array.from(prefix, () => 1), shape: [1, prefix.length] },
          encoder: { inputIds: { data: Int32Array.from(source), shape: [1, source.length] }, attentionMask: { data: Int32Array.from(source, () => 1), shape: [1, source.length] } },
        })
      ).logits.data;
    // target: <pad> il gatto </s>; alternative: <pad> il dorme </s> (aligned position by position).
    const [target, alternative] = [
      [0, 5, 6, 1],
      [0, 5, 7, 1],
    ];
    for (let step = 0; step < 3; step++) {
      const p = softmaxAt(await forward([2, 3, 1], target.slice(0, 1 + step)), target[1 + step]);
      const q = softmaxAt(await forward([9, 3, 4, 1], alternative.slice(0, 1 + step)), alternative[1 + step]);
      expect(sequence.step_scores.contrast_prob_diff.data[step]).toBeCloseTo(p - q, 5);
    }
    expect(out.info.contrast_sources).toBe('a cat sat');
    await expect(attribute(model, 'the cat', { method: 'plain_gradient', methods, contrastSources: 'a cat' })).rejects.toThrow(/contrastSources needs contrastTargets/);
    await expect(
      attribute(linearModel(), 'the cat', { method: 'plain_gradient', methods, generatedTexts: 'the cat sat', contrastTargets: 'the cat on', contrastSources: 'a dog' }),
    ).rejects.toThrow(/contrastSources apply to encoder-decoder models/);
  });

  it('refuses a method without source attributions, an unknown language code, and seq2seq options on decoder-only models', async () => {
    const model = linearEncoderDecoderModel();
    await expect(attribute(model, 'the cat', { method: 'target_only', methods, generatedTexts: 'il gatto' })).rejects.toThrow(
      /target_only returned no source attributions for the encoder-decoder model/,
    );
    await expect(attribute(model, 'the cat', { method: 'plain_gradient', methods, tgtLang: '__xx__' })).rejects.toThrow(
      /tgtLang "__xx__" is not a token of linear-encoder-decoder's tokenizer/,
    );
    await expect(attribute(model, 'the cat', { method: 'plain_gradient', methods, srcLang: 'en_XX' })).rejects.toThrow(/srcLang "en_XX"/);
    await expect(attribute(linearModel(), 'the cat', { method: 'plain_gradient', methods, tgtLang: '__it__' })).rejects.toThrow(
      /tgtLang apply to encoder-decoder models only/,
    );
  });
});
