import { describe, expect, it } from 'vitest';
import { defineMethod, requireTarget, type AttributionMethod } from '../contracts/attribution-method';
import { InseqError } from '../errors/inseq-error';
import { createRegistry } from '../registry';
import { attribute } from './attribute';
import { linearModel } from './linear-backend.test-support';

const plainGradient = defineMethod({
  name: 'plain_gradient',
  family: 'gradient',
  requires: ['gradients'],
  description: 'd target / d embeddings, unmodified (test method).',
  async attributeStep(ctx) {
    const { gradients, targetValues } = await ctx.backend.gradients!({ ...ctx, target: requireTarget(ctx, 'plain_gradient') });
    return { attributions: gradients, stepScores: { target_value: targetValues } };
  },
});
const methods = createRegistry<AttributionMethod>('attribution method').register(plainGradient);

describe('attribute (decoder-only loop)', () => {
  it('lays out target_attributions as [len(target), nSteps, hidden] with NaN on unseen positions', async () => {
    const model = linearModel();
    const out = await attribute(model, 'the cat', { method: 'plain_gradient', methods, generatedTexts: 'the cat sat on' });
    const [sequence] = out.sequence_attributions;
    expect(sequence.source.map((t) => t.token)).toEqual(['the', 'cat']);
    expect(sequence.target.map((t) => t.token)).toEqual(['the', 'cat', 'sat', 'on']);
    expect(sequence.source_attributions).toBeNull();
    expect(sequence.attr_pos_start).toBe(2);
    expect(sequence.attr_pos_end).toBe(4);
    const attributions = sequence.target_attributions!;
    expect(attributions.shape).toEqual([4, 2, 3]);
    const at = (pos: number, step: number, h: number) => attributions.data[(pos * 2 + step) * 3 + h];
    // Step 0 explains 'sat' from 'the cat': positions 0,1 set, 2,3 NaN.
    expect(Number.isNaN(at(2, 0, 0))).toBe(true);
    expect(Number.isNaN(at(3, 0, 0))).toBe(true);
    expect(Number.isNaN(at(1, 0, 0))).toBe(false);
    // Step 1 explains 'on' from 'the cat sat'.
    expect(Number.isNaN(at(2, 1, 0))).toBe(false);
    expect(Number.isNaN(at(3, 1, 0))).toBe(true);
    // The model sums embeddings, so every seen position has the same gradient.
    for (let h = 0; h < 3; h++) expect(at(0, 1, h)).toBeCloseTo(at(2, 1, h), 6);
    // The method's extra score rides along as a step score, and equals the probability.
    const check = await attribute(model, 'the cat', {
      method: 'plain_gradient',
      methods,
      generatedTexts: 'the cat sat on',
      stepScores: ['probability'],
    });
    const scores = check.sequence_attributions[0].step_scores;
    expect(scores.target_value.shape).toEqual([2]);
    for (let s = 0; s < 2; s++) expect(scores.target_value.data[s]).toBeCloseTo(scores.probability.data[s], 6);
  });

  it('ignores attributeTarget on a decoder-only model with a warning, as Inseq', async () => {
    const warnings: string[] = [];
    const model = linearModel();
    const options = { method: 'plain_gradient', methods, generatedTexts: 'the cat sat on' };
    const plain = await attribute(model, 'the cat', options);
    const flagged = await attribute(model, 'the cat', { ...options, attributeTarget: true, onWarning: (message) => warnings.push(message) });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/attributeTarget has no effect on the decoder-only model/);
    expect(Array.from(flagged.sequence_attributions[0].target_attributions!.data)).toEqual(Array.from(plain.sequence_attributions[0].target_attributions!.data));
    expect(flagged.info.attribute_target).toBe(true);
  });

  it('generates greedily up to maxNewTokens and records the generation', async () => {
    const model = linearModel();
    const out = await attribute(model, 'the cat', { method: plainGradient, maxNewTokens: 2, stepScores: ['logit'] });
    const [sequence] = out.sequence_attributions;
    expect(sequence.target.length).toBeLessThanOrEqual(4);
    // Each generated token is the argmax of the logits given its prefix.
    for (let position = sequence.attr_pos_start; position < sequence.attr_pos_end; position++) {
      const prefix = sequence.target.slice(0, position).map((t) => t.id);
      const { logits } = await model.backend.forward({
        inputIds: { data: Int32Array.from(prefix), shape: [1, prefix.length] },
        attentionMask: { data: new Int32Array(prefix.length).fill(1), shape: [1, prefix.length] },
      });
      const argmax = logits.data.indexOf(Math.max(...logits.data));
      expect(sequence.target[position].id).toBe(argmax);
      expect(sequence.step_scores.logit.data[position - sequence.attr_pos_start]).toBeCloseTo(logits.data[argmax], 5);
    }
    expect(out.info.generated_texts).toEqual([model.tokenizer.decode(sequence.target.map((t) => t.id))]);
    expect(out.info.attribution_method).toBe('plain_gradient');
  });

  it('gives the same numbers in a batch as one by one (left padding)', async () => {
    const model = linearModel();
    const inputs = ['the cat', 'a dog sat on the'];
    const generated = ['the cat sat on the mat', 'a dog sat on the mat'];
    const batched = await attribute(model, inputs, { method: plainGradient, generatedTexts: generated, stepScores: ['probability'] });
    for (let i = 0; i < inputs.length; i++) {
      const single = await attribute(model, inputs[i], { method: plainGradient, generatedTexts: generated[i], stepScores: ['probability'] });
      const a = batched.sequence_attributions[i];
      const b = single.sequence_attributions[0];
      expect(a.target_attributions!.shape).toEqual(b.target_attributions!.shape);
      a.target_attributions!.data.forEach((value, k) => {
        const expected = b.target_attributions!.data[k];
        if (Number.isNaN(expected)) expect(Number.isNaN(value)).toBe(true);
        else expect(value).toBeCloseTo(expected, 5);
      });
      expect(Array.from(a.step_scores.probability.data)).toEqual(Array.from(b.step_scores.probability.data));
    }
  });

  it('honours attrPosStart and attrPosEnd', async () => {
    const out = await attribute(linearModel(), 'the cat', {
      method: plainGradient,
      generatedTexts: 'the cat sat on the mat',
      attrPosStart: 3,
      attrPosEnd: 5,
    });
    const [sequence] = out.sequence_attributions;
    expect([sequence.attr_pos_start, sequence.attr_pos_end]).toEqual([3, 5]);
    expect(sequence.target_attributions!.shape).toEqual([6, 2, 3]);
  });

  it('reports progress over all steps', async () => {
    const events: number[] = [];
    await attribute(linearModel(), ['the cat', 'a dog'], {
      method: plainGradient,
      generatedTexts: ['the cat sat', 'a dog sat on'],
      batchSize: 1,
      onProgress: ({ done, total }) => events.push(done / total),
    });
    expect(events.at(-1)).toBe(1);
    expect(events.length).toBe(3);
  });

  describe('bad input', () => {
    const model = linearModel({ maxPositions: 4 });
    const code = async (promise: Promise<unknown>) => {
      try {
        await promise;
      } catch (error) {
        expect(InseqError.isInstance(error)).toBe(true);
        return { code: (error as InseqError).code, message: (error as Error).message };
      }
      throw new Error('expected an InseqError');
    };

    it('names the known methods for an unknown id', async () => {
      const { code: c, message } = await code(attribute(model, 'the', { method: 'nope', methods }));
      expect(c).toBe('UNKNOWN_ID');
      expect(message).toContain('plain_gradient');
    });
    it('rejects an unknown step function, listing the known ones', async () => {
      const { message } = await code(attribute(model, 'the', { method: plainGradient, stepScores: ['entropyy'] }));
      expect(message).toMatch(/probability.*logit/);
    });
    it('rejects a generated text that does not start with its input', async () => {
      const { code: c, message } = await code(attribute(model, 'the cat', { method: plainGradient, generatedTexts: 'a cat sat' }));
      expect(c).toBe('INVALID_INPUT');
      expect(message).toContain('does not start with its input');
    });
    it('rejects inputs longer than the model context', async () => {
      const { code: c, message } = await code(attribute(model, 'the cat sat on the', { method: plainGradient }));
      expect(c).toBe('INPUT_TOO_LONG');
      expect(message).toContain('at most 4');
      const generation = await code(attribute(model, 'the cat', { method: plainGradient, maxNewTokens: 5 }));
      expect(generation.code).toBe('INPUT_TOO_LONG');
    });
    it('rejects positions outside the target', async () => {
      const { code: c } = await code(
        attribute(model, 'the', { method: plainGradient, generatedTexts: 'the cat', attrPosStart: 0 }),
      );
      expect(c).toBe('INVALID_ARGUMENT');
    });
    it('checks capabilities before any work', async () => {
      const attentionOnly = defineMethod({
        name: 'needs_attention',
        family: 'attention',
        requires: ['attentions'],
        description: '',
        attributeStep: async () => {
          throw new Error('must not run');
        },
      });
      const { code: c, message } = await code(attribute(model, 'the', { method: attentionOnly, methods }));
      expect(c).toBe('MISSING_CAPABILITY');
      expect(message).toContain("backend 'linear' offers: forward, gradients");
      expect(message).toContain('plain_gradient');
    });
    it('wraps a raw backend failure with its cause', async () => {
      const broken = defineMethod({
        name: 'broken',
        family: 'gradient',
        requires: [],
        description: '',
        attributeStep: async () => {
          throw new TypeError('deep backend failure');
        },
      });
      const { code: c, message } = await code(attribute(model, 'the', { method: broken, generatedTexts: 'the cat' }));
      expect(c).toBe('BACKEND_FAILURE');
      expect(message).toContain('deep backend failure');
    });
  });
});
