import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { type AttributionModel, InseqError } from '@inseq/core';
import { linearModel } from '@inseq/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluateFaithfulness } from './evaluate-faithfulness';
import { type EvaluationCase, parseEvaluationCases, readEvaluationCases } from './evaluation-cases';
import { chanceHit, erasureInputs, positionsOfCharacters, rankPositions } from './faithfulness-metrics';
import { loadModel } from './load-model';

/** Expects an InseqError whose message matches `pattern`. */
function expectError(run: () => unknown, pattern: RegExp): void {
  let caught: unknown;
  try {
    run();
  } catch (error) {
    caught = error;
  }
  expect(InseqError.isInstance(caught), String(caught)).toBe(true);
  expect((caught as Error).message).toMatch(pattern);
}

describe('parseEvaluationCases', () => {
  it('reads one case per line, skipping blank lines and keeping decisiveStart', () => {
    const text = [
      '{"phenomenon":"fact","prompt":"The capital of France is","target":" Paris","decisive":"France"}',
      '',
      '{"phenomenon":"copying","prompt":"the cat sat on the","target":" mat","decisive":"the","decisiveStart":15,"extra":1}',
    ].join('\n');
    expect(parseEvaluationCases(text)).toEqual([
      { phenomenon: 'fact', prompt: 'The capital of France is', target: ' Paris', decisive: 'France' },
      { phenomenon: 'copying', prompt: 'the cat sat on the', target: ' mat', decisive: 'the', decisiveStart: 15 },
    ]);
  });

  it.each([
    ['{"phenomenon":"fact","prompt":"A","target":" b","decisive":"A"', /data.jsonl, line 2: not valid JSON/],
    ['{"phenomenon":"fact","prompt":"The cat","target":" sat","decisive":"dog"}', /line 2 has decisive "dog", which does not occur in the prompt "The cat"/],
    ['{"phenomenon":"fact","prompt":"The cat","target":"","decisive":"cat"}', /line 2 has an empty "target"/],
    ['{"phenomenon":"fact","prompt":"The cat","decisive":"cat"}', /line 2 has no string field "target"/],
    ['[1, 2]', /line 2 is not a JSON object/],
    ['{"phenomenon":"fact","prompt":"The cat","target":" sat","decisive":"cat","decisiveStart":1}', /"decisiveStart" 1, but the prompt there reads "he "/],
  ])('names the line and the problem: %s', (line, pattern) => {
    const first = '{"phenomenon":"fact","prompt":"The cat","target":" sat","decisive":"cat"}';
    expectError(() => parseEvaluationCases(`${first}\n${line}`, 'data.jsonl'), pattern);
  });

  it('refuses a file without cases and a missing file', async () => {
    expectError(() => parseEvaluationCases('\n\n', 'empty.jsonl'), /empty.jsonl holds no case/);
    await expect(readEvaluationCases(join(tmpdir(), 'no-such-evaluation.jsonl'))).rejects.toThrow(/no such file/);
  });
});

describe('faithfulness pieces', () => {
  it('chance hit@k is 1 − C(n−s, k)/C(n, k)', () => {
    expect(chanceHit(5, 1, 1)).toBeCloseTo(1 / 5, 12);
    expect(chanceHit(5, 2, 3)).toBeCloseTo(1 - 1 / 10, 12); // C(3,3)/C(5,3) = 1/10
    expect(chanceHit(4, 1, 9)).toBe(1);
  });

  it('ranks by descending score, NaN last, ties by position; erases by deletion keeping order', () => {
    expect(rankPositions([0.1, 0.5, Number.NaN, 0.5, -1], [0, 1, 2, 3, 4])).toEqual([1, 3, 0, 4, 2]);
    expect(erasureInputs([10, 11, 12, 13], [2, 0, 1, 3], 2, 99)).toEqual({ without: [11, 13], only: [10, 12] });
    // Unranked positions (a BOS) stay in both; an emptied input becomes the stand-in id.
    expect(erasureInputs([7, 10, 11], [2, 1], 2, 99)).toEqual({ without: [7], only: [7, 10, 11] });
    expect(erasureInputs([10, 11], [0, 1], 2, 99).without).toEqual([99]);
  });
});

/** Float64 softmax probability of `y` for the linear model on `ids`: softmax(W · Σ e(id))[y]. */
function linearProbability(model: ReturnType<typeof linearModel>, vocabSize: number, ids: readonly number[], y: number): number {
  const hidden = model.embedding(0).length;
  const z = new Float64Array(hidden);
  for (const id of ids) for (const [h, value] of model.embedding(id).entries()) z[h] += value;
  const logits = Array.from({ length: vocabSize }, (_, v) => model.weight(v).reduce((acc, w, h) => acc + w * z[h], 0));
  const max = Math.max(...logits);
  const total = logits.reduce((acc, l) => acc + Math.exp(l - max), 0);
  return Math.exp(logits[y] - max) / total;
}

describe('evaluateFaithfulness on the closed-form linear model', () => {
  const vocab = ['<eos>', 'the', 'cat', 'sat', 'on', 'mat', 'a', 'dog', '<unk>'];
  const model = linearModel({ vocab });
  const cases: EvaluationCase[] = [
    { phenomenon: 'copying', prompt: 'the cat sat on the', target: ' mat', decisive: 'the', decisiveStart: 15 },
    { phenomenon: 'fact', prompt: 'a dog sat on', target: ' the', decisive: 'dog' },
  ];

  it('matches hit@k, comprehensiveness, sufficiency and AOPC computed by hand (input × gradient, k = 2)', async () => {
    const k = 2;
    const result = await evaluateFaithfulness(model, cases, { methods: ['input_x_gradient'], k, seed: 7 });
    expect(result.methods.map((row) => row.method)).toEqual(['input_x_gradient', 'random']);
    for (const [index, testCase] of cases.entries()) {
      const ids = model.tokenizer.encode(testCase.prompt);
      const y = model.tokenizer.encode(testCase.prompt + testCase.target).at(-1)!;
      const p = (subset: readonly number[]) => linearProbability(model, vocab.length, subset, y);
      // d p_y / d z = p_y (W[y] − Σ_v p_v W[v]); input × gradient at s is e(id_s) ⊙ that, reduced by its L2 norm.
      const hidden = model.embedding(0).length;
      const z = new Float64Array(hidden);
      for (const id of ids) for (const [h, value] of model.embedding(id).entries()) z[h] += value;
      const probs = vocab.map((_, v) => linearProbability(model, vocab.length, ids, v));
      const grad = Array.from({ length: hidden }, (_, h) => probs[y] * (model.weight(y)[h] - vocab.reduce((acc, _, v) => acc + probs[v] * model.weight(v)[h], 0)));
      const norms = ids.map((id) => Math.hypot(...Array.from(model.embedding(id), (e, h) => e * grad[h])));
      const ranking = ids.map((_, s) => s).sort((a, b) => norms[b] - norms[a] || a - b);
      const record = result.caseRecords[index];
      expect(record.probability).toBeCloseTo(p(ids), 6);
      const got = record.methods.input_x_gradient;
      expect(got.ranking).toEqual(ranking);
      // Scores are the L1-normalised norms (Inseq's default aggregation of gradient methods).
      const sum = norms.reduce((a, b) => a + b, 0);
      expect(got.scores!.length).toBe(ids.length);
      for (const [s, score] of got.scores!.entries()) expect(score).toBeCloseTo(norms[s] / sum, 5);
      const decisive = index === 0 ? [4] : [1];
      expect(record.decisivePositions).toEqual(decisive);
      expect(got.hitAt1).toBe(decisive.includes(ranking[0]));
      expect(got.hitAtK).toBe(ranking.slice(0, k).some((s) => decisive.includes(s)));
      for (let j = 1; j <= k; j++) {
        const top = new Set(ranking.slice(0, j));
        expect(got.comprehensiveness[j - 1]).toBeCloseTo(p(ids) - p(ids.filter((_, s) => !top.has(s))), 6);
        expect(got.sufficiency[j - 1]).toBeCloseTo(p(ids) - p(ids.filter((_, s) => top.has(s))), 6);
      }
    }
    // Summary rows are means over cases; AOPC the mean over j = 1..k of each case, then over cases.
    const row = result.methods[0].overall;
    const records = result.caseRecords.map((c) => c.methods.input_x_gradient);
    expect(row.hitAt1).toBe(records.filter((r) => r.hitAt1).length / 2);
    expect(row.comprehensiveness).toBeCloseTo((records[0].comprehensiveness[1] + records[1].comprehensiveness[1]) / 2, 12);
    expect(row.aopcComprehensiveness).toBeCloseTo(
      (records[0].comprehensiveness[0] + records[0].comprehensiveness[1] + records[1].comprehensiveness[0] + records[1].comprehensiveness[1]) / 4,
      12,
    );
    expect(row.aopcSufficiency).toBeCloseTo(records.reduce((acc, r) => acc + (r.sufficiency[0] + r.sufficiency[1]) / 2, 0) / 2, 12);
    expect(result.methods[0].byPhenomenon.fact.hitAt1).toBe(records[1].hitAt1 ? 1 : 0);
    // 5 and 4 rankable tokens, one decisive each.
    expect(result.chanceHitAt1).toBeCloseTo((1 / 5 + 1 / 4) / 2, 12);
    expect(result.chanceHitAtK).toBeCloseTo((1 - (4 * 3) / (5 * 4) + 1 - (3 * 2) / (4 * 3)) / 2, 12);
    // The random baseline is a permutation of the prompt positions, seeded.
    expect([...result.caseRecords[0].methods.random.ranking].sort()).toEqual([0, 1, 2, 3, 4]);
    const again = await evaluateFaithfulness(model, cases, { methods: ['input_x_gradient'], k, seed: 7 });
    expect(JSON.stringify(again)).toBe(JSON.stringify(result));
    const other = await evaluateFaithfulness(model, cases, { methods: ['input_x_gradient'], k, seed: 8 });
    expect(other.caseRecords.map((c) => c.methods.random.ranking)).not.toEqual(result.caseRecords.map((c) => c.methods.random.ranking));
  });

  it('ranks by the method’s own scores: occlusion’s top token and its comprehensiveness@1 match the model', async () => {
    // Occlusion scores p(y|x) − p(y|x with the token replaced); checked here against the model directly.
    const result = await evaluateFaithfulness(model, cases.slice(1), { methods: ['occlusion'], k: 1 });
    const ids = model.tokenizer.encode(cases[1].prompt);
    const y = model.tokenizer.encode('the')[0];
    const record = result.caseRecords[0].methods.occlusion;
    const best = record.scores!.indexOf(Math.max(...record.scores!));
    expect(record.ranking[0]).toBe(best);
    expect(record.hitAt1).toBe(best === 1);
    expect(record.comprehensiveness[0]).toBeCloseTo(
      linearProbability(model, vocab.length, ids, y) - linearProbability(model, vocab.length, ids.filter((_, s) => s !== best), y),
      6,
    );
  });

  it('by default runs every method the backend can, reporting the ones it skips', async () => {
    const noGradients: AttributionModel = { ...model, backend: { ...model.backend, capabilities: { ...model.backend.capabilities, gradients: false } } };
    const result = await evaluateFaithfulness(noGradients, cases.slice(1), { k: 1, attributionArgs: { lime: { n_samples: 4 }, reagent: { num_probes: 2, max_probe_steps: 2 } } });
    const ran = result.methods.map((row) => row.method);
    expect(ran).toContain('occlusion');
    expect(ran).not.toContain('saliency');
    expect(ran).not.toContain('dummy');
    expect(ran.at(-1)).toBe('random');
    expect(result.skipped.find((s) => s.method === 'saliency')?.reason).toMatch(/lacks gradients/);
    await expect(evaluateFaithfulness(noGradients, cases, { methods: ['saliency'] })).rejects.toThrow(/saliency needs gradients/);
  });

  it('refuses a target that is not a next token and a bad k', async () => {
    await expect(evaluateFaithfulness(model, [{ phenomenon: 'x', prompt: 'the cat', target: ' ', decisive: 'cat' }], { methods: ['saliency'] })).rejects.toThrow(
      /not a prefix of the prompt \+ target's tokens/,
    );
    await expect(evaluateFaithfulness(model, cases, { methods: ['saliency'], k: 0 })).rejects.toThrow(/k must be a positive integer/);
  });
});

describe('evaluateFaithfulness on the shipped GPT-2 (byte-level BPE)', () => {
  let gpt2: AttributionModel;
  beforeAll(async () => {
    gpt2 = await loadModel(fileURLToPath(new URL('../../../models/tiny-gpt2', import.meta.url)));
  });
  afterAll(() => gpt2?.backend.dispose());

  it('maps a decisive word to its Ġ-prefixed subword tokens', () => {
    const prompt = 'The capital of France is';
    const ids = gpt2.tokenizer.encode(prompt);
    const positions = positionsOfCharacters(gpt2.tokenizer, ids, prompt, prompt.indexOf('France'), prompt.indexOf('France') + 6);
    expect(positions.map((p) => gpt2.tokenizer.idToToken(ids[p])).join('')).toBe('ĠFrance');
    expect(positions.length).toBeGreaterThan(1); // the tiny vocabulary splits it
    expect(positions.every((p, i) => i === 0 || p === positions[i - 1] + 1)).toBe(true);
  });

  it('reads cases from a file and evaluates two methods, with probabilities equal to the model’s own', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'inseq-eval-'));
    const path = join(directory, 'evaluation.jsonl');
    await writeFile(
      path,
      [
        { phenomenon: 'fact', prompt: 'The capital of France is', target: ' Paris', decisive: 'France' },
        { phenomenon: 'agreement', prompt: 'The keys to the cabinet', target: ' are', decisive: 'keys' },
      ]
        .map((c) => JSON.stringify(c))
        .join('\n'),
    );
    const cases = await readEvaluationCases(path);
    const result = await evaluateFaithfulness(gpt2, cases, { methods: ['saliency', 'attention'], k: 3, timings: true });
    expect(result.methods.map((row) => row.method)).toEqual(['saliency', 'attention', 'random']);
    expect(Object.keys(result.timings!).sort()).toEqual(['attention', 'erasure', 'saliency']);
    const { attribute } = await import('./attribute');
    const out = await attribute(gpt2, cases[0].prompt, { method: 'dummy', generatedTexts: cases[0].prompt + cases[0].target, stepScores: ['probability'] });
    expect(result.caseRecords[0].probability).toBeCloseTo(out.sequence_attributions[0].step_scores.probability.data[0], 6);
    for (const row of result.methods) {
      for (const value of Object.values(row.overall)) expect(Number.isFinite(value)).toBe(true);
      expect(row.overall.hitAtK).toBeGreaterThanOrEqual(row.overall.hitAt1);
    }
  });

  it('holds tf.memory() flat over repeated evaluations', async () => {
    const cases: EvaluationCase[] = [{ phenomenon: 'fact', prompt: 'The capital of France is', target: ' Paris', decisive: 'France' }];
    const run = () => evaluateFaithfulness(gpt2, cases, { methods: ['integrated_gradients', 'occlusion'], attributionArgs: { integrated_gradients: { n_steps: 3 } } });
    await run();
    const before = tf.memory();
    expect(before.numTensors).toBeGreaterThan(0); // the model's weights: this is the backend's tfjs
    for (let i = 0; i < 5; i++) await run();
    expect(tf.memory().numTensors).toBe(before.numTensors);
    expect(tf.memory().numBytes).toBe(before.numBytes);
  });
});
