import { loadTfjsBackend } from '@inseq/backend-tfjs';
import { type AttributionModel, loadTokenizer } from '@inseq/core';
import { tinyGpt2ModelFiles } from '@inseq/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attribute } from '../attribute';
import { attributeContext } from './attribute-context';

let model: AttributionModel;
beforeAll(async () => {
  const files = tinyGpt2ModelFiles();
  model = { name: 'tiny-gpt2', backend: await loadTfjsBackend(files), tokenizer: await loadTokenizer(files) };
});
afterAll(() => model.backend.dispose());

async function logSoftmaxAfter(ids: readonly number[]): Promise<Float64Array> {
  const { logits } = await model.backend.forward({
    inputIds: { data: Int32Array.from(ids), shape: [1, ids.length] },
    attentionMask: { data: new Int32Array(ids.length).fill(1), shape: [1, ids.length] },
  });
  const row = Float64Array.from(logits.data);
  const max = Math.max(...row);
  const logZ = Math.log(row.reduce((a, v) => a + Math.exp(v - max), 0)) + max;
  return row.map((v) => v - logZ);
}

const args = {
  inputContextText: 'the cat sat on the mat .',
  inputCurrentText: 'the dog',
  outputCurrentText: 'sat on the mat',
};

describe('attributeContext (PECoRe) on the tiny GPT-2', () => {
  it('CTI scores are KL(p_ctx ‖ p_noctx) of independently computed softmaxes', async () => {
    const out = await attributeContext(model, { ...args, contextSensitivityTopk: 2, contextSensitivityStdThreshold: null });
    const full = model.tokenizer.encode('the cat sat on the mat . the dog sat on the mat');
    const noctx = model.tokenizer.encode('the dog sat on the mat');
    const n = out.output_current_tokens.length;
    expect(n).toBe(model.tokenizer.encode(' sat on the mat').length);
    expect(out.output_current_tokens.join('')).toBe(model.tokenizer.encode(' sat on the mat').map((id) => model.tokenizer.idToToken(id)).join(''));
    let maxErr = 0;
    for (let k = 0; k < n; k++) {
      const p = await logSoftmaxAfter(full.slice(0, full.length - n + k));
      const q = await logSoftmaxAfter(noctx.slice(0, noctx.length - n + k));
      let kl = 0;
      for (let v = 0; v < p.length; v++) kl += Math.exp(p[v]) * (p[v] - q[v]);
      maxErr = Math.max(maxErr, Math.abs(kl - out.cti_scores[k]));
    }
    expect(maxErr).toBeLessThan(1e-5);
    expect(out.cti_scores.some((v) => v > 1e-4)).toBe(true);
    // top-2 by score, in position order
    const top = [...out.cti_scores.keys()].sort((a, b) => out.cti_scores[b] - out.cti_scores[a]).slice(0, 2).sort((a, b) => a - b);
    expect(out.cti_selected).toEqual(top);
    expect(out.cci_scores.map((c) => c.cti_idx)).toEqual(top);
  });

  it('CCI scores are the contrastive attribution restricted to the context, normalised', async () => {
    const out = await attributeContext(model, { ...args, contextSensitivityTopk: 1, contextSensitivityStdThreshold: null, attributionTopk: 2, attributionStdThreshold: null });
    const [cci] = out.cci_scores;
    const ctxLen = model.tokenizer.encode(args.inputContextText).length;
    expect(out.input_context_tokens).toHaveLength(ctxLen);
    const n = out.output_current_tokens.length;
    const full = 'the cat sat on the mat . the dog sat on the mat';
    const position = model.tokenizer.encode(full).length - n + cci.cti_idx;
    // The contrastive alternative: the contextless model's greedy token after the same output prefix.
    const fullIds = model.tokenizer.encode(full);
    const prefix = model.tokenizer.decode(fullIds.slice(fullIds.length - n, position)).trimStart();
    const promptIds = model.tokenizer.encode(prefix ? `the dog ${prefix}` : 'the dog');
    const logits = (await model.backend.forward({ inputIds: { data: Int32Array.from(promptIds), shape: [1, promptIds.length] }, attentionMask: { data: new Int32Array(promptIds.length).fill(1), shape: [1, promptIds.length] } })).logits.data;
    const next = logits.indexOf(Math.max(...logits));
    expect(cci.contrast_token).toBe(model.tokenizer.idToToken(next));
    const same = next === fullIds[position];
    const contrastText = model.tokenizer.decode(same ? [...promptIds, next] : [...fullIds.slice(0, position), next]);
    const direct = await attribute(model, 'the cat sat on the mat . the dog', {
      method: 'saliency', attributedFn: 'contrast_prob_diff', generatedTexts: full, contrastTargets: contrastText, contrastForceInputs: same,
      contrastTargetsAlignments: [[position, model.tokenizer.encode(contrastText).length - 1]], attrPosStart: position, attrPosEnd: position + 1,
    });
    const t = direct.sequence_attributions[0].target_attributions!;
    const [len, , hidden] = t.shape;
    const norms = Array.from({ length: len }, (_, i) => Math.hypot(...t.data.subarray(i * hidden, (i + 1) * hidden)));
    const total = norms.reduce((a, v) => a + (Number.isFinite(v) ? v : 0), 0);
    const expected = norms.slice(0, ctxLen).map((v) => v / total);
    for (const [i, v] of cci.input_context_scores!.entries()) expect(v).toBeCloseTo(expected[i], 6);
    const top2 = [...expected.keys()].sort((a, b) => expected[b] - expected[a]).slice(0, 2).sort((a, b) => a - b);
    expect(cci.input_context_cues).toEqual(top2);
    expect(cci.output_context_scores).toBeNull();
  });

  it('decoder-only output context: its tokens and CCI scores sit between the input and the output current', async () => {
    const out = await attributeContext(model, {
      inputContextText: 'the cat', inputCurrentText: 'the dog', outputContextText: 'a cat', outputCurrentText: 'a dog',
      contextSensitivityTopk: 1, contextSensitivityStdThreshold: null, attributionStdThreshold: null,
    });
    const text = (ids: number[]) => ids.map((id) => model.tokenizer.idToToken(id)).join('');
    expect(out.output_context_tokens!.join('')).toBe(text(model.tokenizer.encode(' a cat')));
    expect(out.output_current_tokens.join('')).toBe(text(model.tokenizer.encode(' a dog')));
    const [cci] = out.cci_scores;
    expect(cci.output_context_scores).toHaveLength(out.output_context_tokens!.length);
    const contextMass = [...cci.input_context_scores!, ...cci.output_context_scores!].reduce((a, v) => a + v, 0);
    expect(contextMass).toBeGreaterThan(0);
    expect(contextMass).toBeLessThan(1); // normalised over the whole sequence, which has more than the context
  });

  it('generates the output when none is given, and rejects bad arguments clearly', async () => {
    const out = await attributeContext(model, { inputContextText: 'the cat', inputCurrentText: 'the dog', generationKwargs: { max_new_tokens: 3 } });
    expect(out.output_current_tokens.length).toBeGreaterThan(0);
    expect(out.cti_scores).toHaveLength(out.output_current_tokens.length);
    await expect(attributeContext(model, { inputCurrentText: 'the dog', generationKwargs: { max_new_tokens: 'many' } })).rejects.toThrow(/max_new_tokens must be a positive integer, got "many"/);
    await expect(attributeContext(model, { inputCurrentText: '' })).rejects.toThrow(/inputCurrentText is required/);
    await expect(attributeContext(model, { ...args, inputTemplate: '{context}' })).rejects.toThrow(/inputTemplate must contain '\{current\}'/);
  });

  it('contextlessOutputNextTokens: the CCI contrast is the given token (p_ctx − p_alt by hand from two forward passes)', async () => {
    const opts = { ...args, contextSensitivityTopk: 1, contextSensitivityStdThreshold: null, attributionStdThreshold: null };
    const out = await attributeContext(model, { ...opts, contextlessOutputNextTokens: [' the'] });
    const [cci] = out.cci_scores;
    const forced = model.tokenizer.encode(' the')[0];
    expect(cci.contrast_token).toBe(model.tokenizer.idToToken(forced));
    const greedy = await attributeContext(model, opts);
    expect(greedy.cci_scores[0].contrast_token).not.toBe(cci.contrast_token); // the option changed the contrast
    const full = 'the cat sat on the mat . the dog sat on the mat';
    const fullIds = model.tokenizer.encode(full);
    const n = out.output_current_tokens.length;
    const position = fullIds.length - n + cci.cti_idx;
    expect(fullIds[position]).not.toBe(forced); // so the alternative is scored after the contextual prefix
    const contrastIds = [...fullIds.slice(0, position), forced];
    const contrastText = model.tokenizer.decode(contrastIds);
    expect(cci.contextless_output).toBe(model.tokenizer.decode([...fullIds.slice(fullIds.length - n, position), forced]));
    const contrast = { contrastTargets: contrastText, contrastForceInputs: false, contrastTargetsAlignments: [[position, contrastIds.length - 1]] as [number, number][] };
    const p = Math.exp((await logSoftmaxAfter(fullIds.slice(0, position)))[fullIds[position]]);
    const q = Math.exp((await logSoftmaxAfter(contrastIds.slice(0, -1)))[forced]);
    const scored = await attribute(model, 'the cat sat on the mat . the dog', {
      method: 'dummy', generatedTexts: full, ...contrast, attrPosStart: position, attrPosEnd: position + 1, stepScores: ['contrast_prob_diff'],
    });
    expect(scored.sequence_attributions[0].step_scores.contrast_prob_diff!.data[0]).toBeCloseTo(p - q, 6);
    // The CCI scores are the saliency of that very contrast.
    const direct = await attribute(model, 'the cat sat on the mat . the dog', {
      method: 'saliency', attributedFn: 'contrast_prob_diff', generatedTexts: full, ...contrast, attrPosStart: position, attrPosEnd: position + 1,
    });
    const t = direct.sequence_attributions[0].target_attributions!;
    const [len, , hidden] = t.shape;
    const norms = Array.from({ length: len }, (_, i) => Math.hypot(...t.data.subarray(i * hidden, (i + 1) * hidden)));
    const total = norms.reduce((a, v) => a + (Number.isFinite(v) ? v : 0), 0);
    for (const [i, v] of cci.input_context_scores!.entries()) expect(v).toBeCloseTo(norms[i] / total, 6);
  });

  it('contextless next tokens: count mismatch, both options, prompting the user', async () => {
    const opts = { ...args, contextSensitivityTopk: 1, contextSensitivityStdThreshold: null, attributionStdThreshold: null };
    await expect(attributeContext(model, { ...opts, contextlessOutputNextTokens: [' the', ' a'] })).rejects.toThrow(/has 2 token\(s\) but CTI selected 1/);
    await expect(attributeContext(model, { ...opts, contextlessOutputNextTokens: [' the'], promptUserForContextlessOutputNextTokens: true })).rejects.toThrow(/only one of/);
    await expect(attributeContext(model, { ...opts, promptUserForContextlessOutputNextTokens: true })).rejects.toThrow(/no prompt is available.*--contextless-output-next-tokens/);
    const answers: (boolean | string)[] = [true, ' the'];
    const asked: string[] = [];
    const answer = (q: string) => {
      asked.push(q);
      return answers.shift();
    };
    const prompter = { confirm: (q: string) => answer(q) as boolean, ask: (q: string) => answer(q) as string };
    const out = await attributeContext(model, { ...opts, promptUserForContextlessOutputNextTokens: true, prompter });
    expect(asked).toHaveLength(2);
    expect(out.cci_scores[0].contrast_token).toBe(model.tokenizer.idToToken(model.tokenizer.encode(' the')[0]));
  });
});
