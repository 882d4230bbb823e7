import { type AttributionMethod, type AttributionModel, attribute, createRegistry, type ForwardInput, parseMethodOptions } from '@inseq/core';
import { linearModel } from '@inseq/testing';
import { describe, expect, it } from 'vitest';
import { registerBuiltinMethods } from '../register-builtin-methods';
import { reagent } from './reagent';

const methods = registerBuiltinMethods(createRegistry<AttributionMethod>('attribution method'));
const base = linearModel();
const vocabSize = base.backend.config.vocabSize;
const idOf = (word: string) => base.tokenizer.encode(word)[0];

/** Only the presence of 'cat' matters: it raises the logit of 'on' from −2 to 4. */
const catModel: AttributionModel = {
  ...base,
  backend: {
    ...base.backend,
    async forward({ inputIds, attentionMask }: ForwardInput) {
      const [batch, length] = inputIds.shape;
      const logits = new Float32Array(batch * vocabSize);
      for (let b = 0; b < batch; b++) {
        let cat = false;
        for (let s = 0; s < length; s++) if (attentionMask.data[b * length + s] && inputIds.data[b * length + s] === idOf('cat')) cat = true;
        logits[b * vocabSize + idOf('on')] = cat ? 4 : -2;
      }
      return { logits: { data: logits, shape: [batch, vocabSize] } };
    },
  },
};

async function reagentRows(model: AttributionModel, prompts: string[], texts: string[], args: Record<string, unknown>) {
  const out = await attribute(model, prompts, { method: 'reagent', methods, generatedTexts: texts, attributionArgs: args });
  return out.sequence_attributions.map((sequence) => Array.from(sequence.target_attributions!.data));
}

describe('reagent', () => {
  it('ranks the one token the prediction depends on first; importances sum to 1', async () => {
    const [full] = await reagentRows(catModel, ['the dog a cat mat'], ['the dog a cat mat on'], {
      keep_top_n: 1,
      stopping_condition_top_k: 1,
      max_probe_steps: 200,
    });
    const row = full.slice(0, 5);
    expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    expect(row.indexOf(Math.max(...row))).toBe(3);
  });

  it('repeats exactly for a seed, changes with another; batched equals one by one', async () => {
    const prompts = ['the cat sat', 'a dog sat on the'];
    const texts = ['the cat sat on the mat', 'a dog sat on the mat'];
    const args = { num_probes: 4, max_probe_steps: 20 };
    const batched = await reagentRows(base, prompts, texts, args);
    expect(await reagentRows(base, prompts, texts, args)).toEqual(batched);
    expect(await reagentRows(base, prompts, texts, { ...args, seed: 1 })).not.toEqual(batched);
    for (const r of [0, 1]) {
      const [alone] = await reagentRows(base, [prompts[r]], [texts[r]], args);
      expect(batched[r]).toEqual(alone.map((v) => (Number.isNaN(v) ? Number.NaN : expect.closeTo(v, 6))));
    }
  });

  it('parses Inseq’s options and defaults', () => {
    expect(parseMethodOptions(reagent, {})).toEqual({
      keep_top_n: 5,
      invert_keep: false,
      stopping_condition_top_k: 3,
      replacing_ratio: 0.3,
      max_probe_steps: 3000,
      num_probes: 16,
      seed: 42,
    });
    expect(() => parseMethodOptions(reagent, { keep_top_n: 0 })).toThrow(/'keep_ratio' must be given/);
    expect(parseMethodOptions(reagent, { keep_top_n: 0, keep_ratio: 0.5 }).keep_ratio).toBe(0.5);
  });
});
