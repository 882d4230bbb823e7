import { loadTfjsBackend } from '@inseq/backend-tfjs';
import { type AttributionModel, loadTokenizer, memoryModelFiles } from '@inseq/core';
import { createTinyLlama, createTinyMarian } from '@inseq/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attributeContext } from './attribute-context';

/** KL(P ‖ Q) of two logit rows, computed here from scratch in float64. */
function kl(pLogits: Float32Array, qLogits: Float32Array): number {
  const logSoftmax = (row: Float32Array) => {
    const max = Math.max(...row);
    const logZ = Math.log(row.reduce((a, v) => a + Math.exp(v - max), 0)) + max;
    return Array.from(row, (v) => v - logZ);
  };
  const p = logSoftmax(pLogits);
  const q = logSoftmax(qLogits);
  return p.reduce((a, lp, v) => a + Math.exp(lp) * (lp - q[v]), 0);
}

const ids = (values: readonly number[]) => ({ data: Int32Array.from(values), shape: [1, values.length] });
const ones = (n: number) => ({ data: new Int32Array(n).fill(1), shape: [1, n] });

describe('attributeContext on the tiny Marian (encoder-decoder)', () => {
  let model: AttributionModel;
  beforeAll(async () => {
    const files = memoryModelFiles(createTinyMarian().files, 'tiny-marian');
    model = { name: 'tiny-marian', backend: await loadTfjsBackend(files), tokenizer: await loadTokenizer(files) };
  });
  afterAll(() => model?.backend.dispose());

  it('CTI: KL between decoder distributions on the source with and without context', async () => {
    const out = await attributeContext(model, {
      inputContextText: 'the cat sat', inputCurrentText: 'the dog', outputCurrentText: 'le chien dort', contextSensitivityTopk: 1,
    });
    const full = model.tokenizer.encode('the cat sat the dog');
    const noctx = model.tokenizer.encode('the dog');
    const target = model.tokenizer.encode('le chien dort').filter((id) => id !== model.tokenizer.specialTokenIds.eos);
    expect(out.output_current_tokens).toHaveLength(target.length);
    const start = model.backend.config.decoderStartTokenId!;
    let maxErr = 0;
    for (let k = 0; k < target.length; k++) {
      const decoder = [start, ...target.slice(0, k)];
      const run = (source: number[]) =>
        model.backend.forward({ inputIds: ids(decoder), attentionMask: ones(decoder.length), encoder: { inputIds: ids(source), attentionMask: ones(source.length) } });
      const [withCtx, without] = [await run(full), await run(noctx)];
      maxErr = Math.max(maxErr, Math.abs(kl(withCtx.logits.data, without.logits.data) - out.cti_scores[k]));
    }
    expect(maxErr).toBeLessThan(1e-5);
    expect(Math.max(...out.cti_scores)).toBeGreaterThan(1e-4);
    // The input context lives in the source: its tokens are the context's.
    expect(out.input_context_tokens).toHaveLength(model.tokenizer.encode('the cat sat', { addSpecialTokens: false }).length);
    expect(out.cci_scores[0].input_context_scores).toHaveLength(out.input_context_tokens!.length);
  });
});

describe('attributeContext on the tiny Llama (decoder-only with BOS)', () => {
  let model: AttributionModel;
  beforeAll(async () => {
    const files = memoryModelFiles(createTinyLlama().files, 'tiny-llama');
    model = { name: 'tiny-llama', backend: await loadTfjsBackend(files), tokenizer: await loadTokenizer(files) };
  });
  afterAll(() => model?.backend.dispose());

  it('CTI: KL between next-token distributions with and without the context prompt', async () => {
    const out = await attributeContext(model, { inputContextText: 'the cat sat', inputCurrentText: 'the dog', outputCurrentText: 'sat on it' });
    const full = model.tokenizer.encode('the cat sat the dog sat on it');
    const noctx = model.tokenizer.encode('the dog sat on it');
    const n = out.output_current_tokens.length;
    expect(n).toBeGreaterThan(0);
    let maxErr = 0;
    for (let k = 0; k < n; k++) {
      const a = full.slice(0, full.length - n + k);
      const b = noctx.slice(0, noctx.length - n + k);
      const p = await model.backend.forward({ inputIds: ids(a), attentionMask: ones(a.length) });
      const q = await model.backend.forward({ inputIds: ids(b), attentionMask: ones(b.length) });
      maxErr = Math.max(maxErr, Math.abs(kl(p.logits.data, q.logits.data) - out.cti_scores[k]));
    }
    expect(maxErr).toBeLessThan(1e-5);
    expect(out.input_context_tokens!.length).toBeGreaterThan(0);
  });
});
