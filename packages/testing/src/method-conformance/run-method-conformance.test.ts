import { type AttributionMethod, type StepContext, attribute, defineMethod, MissingCapabilityError, requireTarget } from '@inseq/core';
import { describe, expect, it } from 'vitest';
import { encoderDecoderLinearModel } from '../encoder-decoder-linear-model';
import { linearModel } from '../linear-model';
import { conformanceModels } from './conformance-models';
import { MethodConformanceError } from './method-conformance-error';
import type { ConformanceCheckName, MethodConformanceOptions, MethodConformanceReport } from './method-conformance-options';
import { runMethodConformance } from './run-method-conformance';

/**
 * Each check must be able to fail: deliberately broken methods on the closed-form linear model
 * (logits = W · Σ embeddings, exact gradients) are reported failing on the check they break, and
 * only there. The honest method is gradient × input with the `logit` target, which is complete
 * against the zero baseline there (logit(0) = 0), and reports its `deltas` honestly.
 */
type Tweak = (attributions: Float32Array, ctx: StepContext) => Float32Array;

function gradientTimesInput(name: string, tweak: Tweak = (a) => a, requires: AttributionMethod['requires'] = ['gradients']): AttributionMethod {
  return defineMethod({
    name,
    family: 'gradient',
    requires,
    description: `test method ${name}`,
    options: { return_convergence_delta: { type: 'boolean', default: false, description: 'Add the step score deltas.' } },
    async attributeStep(ctx) {
      const { gradients, targetValues } = await ctx.backend.gradients!({ ...ctx, target: requireTarget(ctx, name) });
      const [batch, length, hidden] = gradients.shape;
      const scores = new Float32Array(batch * length);
      for (let i = 0; i < batch * length; i++) {
        for (let h = 0; h < hidden; h++) scores[i] += gradients.data[i * hidden + h] * ctx.inputsEmbeds.data[i * hidden + h];
      }
      const attributions = tweak(scores, ctx);
      if (!ctx.options.return_convergence_delta) return { attributions: { data: attributions, shape: [batch, length] } };
      // Honest deltas: Σ attributions − (f(x) − f(0)), f(0) = 0 on the linear model with the logit target.
      const deltas = Float32Array.from({ length: batch }, (_, b) => {
        let sum = 0;
        for (let s = 0; s < length; s++) if (ctx.attentionMask.data[b * length + s] === 1) sum += attributions[b * length + s];
        return sum - targetValues[b];
      });
      return { attributions: { data: attributions, shape: [batch, length] }, stepScores: { deltas } };
    },
  });
}

const model = linearModel();
const base: MethodConformanceOptions = { models: [model], attributedFn: 'logit', trailingAxes: [], assert: false };
const statuses = (report: MethodConformanceReport) => Object.fromEntries(report.checks.map((check) => [check.name, check.status]));
const failed = (report: MethodConformanceReport) => report.failures.map((check) => check.name);
const detail = (report: MethodConformanceReport, name: ConformanceCheckName) => report.checks.find((check) => check.name === name)!.detail;

describe('runMethodConformance', () => {
  it('passes an honest method on every check, completeness included when promised', async () => {
    const report = await runMethodConformance(gradientTimesInput('honest'), { ...base, completeness: { tolerance: 1e-5 } });
    expect(statuses(report)).toEqual({
      capabilities: 'skipped',
      runs: 'passed',
      shapes: 'passed',
      'nan-discipline': 'passed',
      batching: 'passed',
      determinism: 'passed',
      completeness: 'passed',
    });
    expect(report.passed).toBe(true);
    expect(new Set(report.checks.map((check) => check.model))).toEqual(new Set([model.name]));
  });

  it('reports completeness as skipped, not passed, when the method promises none', async () => {
    const report = await runMethodConformance(gradientTimesInput('honest'), base);
    const check = report.checks.find((c) => c.name === 'completeness')!;
    expect([check.status, check.passed, report.passed]).toEqual(['skipped', false, true]);
  });

  it('fails shapes when the trailing axes are not the stated ones (and skips what depends on them)', async () => {
    const report = await runMethodConformance(gradientTimesInput('honest'), { ...base, trailingAxes: [3] });
    expect(failed(report)).toEqual(['shapes']);
    expect(detail(report, 'shapes')).toContain('trailing axes [], expected [3]');
    expect(statuses(report)['nan-discipline']).toBe('skipped');
  });

  it('fails nan-discipline on a NaN where a value is due', async () => {
    const report = await runMethodConformance(
      gradientTimesInput('nan_first', (a, ctx) => a.map((v, i) => (i % ctx.inputIds.shape[1] === ctx.inputIds.shape[1] - 1 ? Number.NaN : v))),
      base,
    );
    expect(failed(report)).toEqual(['nan-discipline']);
    expect(detail(report, 'nan-discipline')).toMatch(/not finite \(position \d+, step 0 is NaN/);
  });

  it('fails nan-discipline on an Inf', async () => {
    const report = await runMethodConformance(gradientTimesInput('inf', (a) => a.map((v, i) => (i === a.length - 1 ? Number.POSITIVE_INFINITY : v))), base);
    expect(failed(report)).toContain('nan-discipline');
    expect(detail(report, 'nan-discipline')).toContain('Infinity');
  });

  it('fails batching on a method whose numbers depend on the batch it is in', async () => {
    const report = await runMethodConformance(gradientTimesInput('batch_scaled', (a, ctx) => a.map((v) => v * ctx.inputIds.shape[0])), base);
    expect(failed(report)).toEqual(['batching']);
    expect(detail(report, 'batching')).toContain('text 0 in a batch vs alone: target_attributions');
  });

  it('fails determinism on a method that is random without a seed', async () => {
    const report = await runMethodConformance(gradientTimesInput('unseeded', (a) => a.map((v) => v + Math.random())), base);
    expect(failed(report)).toContain('determinism');
    expect(detail(report, 'determinism')).toContain('second run vs first: target_attributions');
  });

  it('fails completeness on attributions that do not sum to f(x) − f(baseline)', async () => {
    const report = await runMethodConformance(gradientTimesInput('halved', (a) => a.map((v) => v / 2)), { ...base, completeness: { tolerance: 1e-3 } });
    expect(failed(report)).toEqual(['completeness']);
    expect(detail(report, 'completeness')).toMatch(/step 0: Σ attributions .* vs f\(x\) − f\(x′\)/);
  });

  it('fails completeness when the promised deltas step score is missing', async () => {
    const report = await runMethodConformance(gradientTimesInput('honest'), { ...base, completeness: { tolerance: 1e-3, attributionArgs: {} } });
    expect(failed(report)).toEqual(['shapes']);
    expect(detail(report, 'shapes')).toContain("step score 'deltas' missing");
  });

  it('fails runs on a method that throws, and skips the rest', async () => {
    const broken = gradientTimesInput('throws', () => {
      throw new Error('boom');
    });
    const report = await runMethodConformance(broken, base);
    expect(failed(report)).toEqual(['runs']);
    expect(detail(report, 'runs')).toContain('boom');
    expect(report.checks.filter((check) => check.status === 'skipped').map((check) => check.name)).toEqual([
      'capabilities',
      'shapes',
      'nan-discipline',
      'batching',
      'determinism',
      'completeness',
    ]);
  });

  it('passes capabilities when a missing capability is refused before any work, skipping the rest', async () => {
    const report = await runMethodConformance(gradientTimesInput('needs_attentions', undefined, ['gradients', 'attentions']), base);
    expect(statuses(report).capabilities).toBe('passed');
    expect(detail(report, 'capabilities')).toContain('MissingCapabilityError');
    expect(report.checks.filter((check) => check.name !== 'capabilities').every((check) => check.status === 'skipped')).toBe(true);
  });

  it('fails capabilities when the loop does work before refusing, or refuses with another error', async () => {
    const method = gradientTimesInput('needs_attentions', undefined, ['gradients', 'attentions']);
    const late: typeof attribute = async (m) => {
      await m.backend.forward({ inputIds: { data: Int32Array.of(1), shape: [1, 1] }, attentionMask: { data: Int32Array.of(1), shape: [1, 1] } });
      throw new MissingCapabilityError('too late');
    };
    const lateReport = await runMethodConformance(method, { ...base, attribute: late });
    expect(failed(lateReport)).toEqual(['capabilities']);
    expect(detail(lateReport, 'capabilities')).toContain('did work before the refusal: forward');
    const other = await runMethodConformance(method, {
      ...base,
      attribute: async () => {
        throw new Error('not the capability error');
      },
    });
    expect(detail(other, 'capabilities')).toContain('expected a MissingCapabilityError');
    const ran = await runMethodConformance(method, { ...base, attribute: (m, inputs, options) => attribute(m, inputs, { ...options, method: gradientTimesInput('x') }) });
    expect(detail(ran, 'capabilities')).toContain('but the attribution ran');
  });

  it('throws one MethodConformanceError listing every failed check by default', async () => {
    const broken = gradientTimesInput('both', (a, ctx) => a.map((v) => v * ctx.inputIds.shape[0] + Math.random()));
    const error = await runMethodConformance(broken, { ...base, assert: undefined }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(MethodConformanceError);
    const message = (error as Error).message;
    expect(message).toMatch(/^both: 2 conformance checks failed\n/);
    expect(message).toContain('FAILED linear · batching');
    expect(message).toContain('FAILED linear · determinism');
    expect((error as MethodConformanceError).report.failures).toHaveLength(2);
  });

  it('checks a step-score-only method with expectAttributions: false', async () => {
    const scoresOnly = defineMethod({
      name: 'scores_only',
      family: 'perturbation',
      requires: [],
      embeddings: 'never',
      description: 'no attributions',
      attributeStep: async () => ({}),
    });
    expect((await runMethodConformance(scoresOnly, { ...base, expectAttributions: false })).passed).toBe(true);
    const report = await runMethodConformance(scoresOnly, base);
    expect(detail(report, 'shapes')).toContain('target_attributions is null');
  });

  it('refuses an empty model list', async () => {
    await expect(runMethodConformance(gradientTimesInput('honest'), { ...base, models: [] })).rejects.toThrow('at least one model');
  });
});

describe('runMethodConformance on an encoder-decoder model', () => {
  /** One score per token on both sides (source and target prefix): the position's id, so rows are comparable alone and in a batch. */
  const idsMethod = (source: boolean) =>
    defineMethod({
      name: source ? 'ids_both_sides' : 'ids_target_only',
      family: 'perturbation',
      requires: [],
      embeddings: 'never',
      description: 'token ids as scores',
      async attributeStep(ctx) {
        const attributions = { data: Float32Array.from(ctx.inputIds.data), shape: [...ctx.inputIds.shape] };
        const encoder = ctx.encoder!;
        const sourceAttributions = { data: Float32Array.from(encoder.inputIds.data), shape: [...encoder.inputIds.shape] };
        return source ? { attributions, sourceAttributions } : { attributions, sourceAttributions: { ...sourceAttributions, shape: [...sourceAttributions.shape, 1] } };
      },
    });
  const seq2seq = encoderDecoderLinearModel();
  const options: MethodConformanceOptions = { models: [seq2seq], trailingAxes: [], assert: false };

  it('checks source_attributions too: [len(source), steps], finite everywhere', async () => {
    const report = await runMethodConformance(idsMethod(true), options);
    expect(failed(report)).toEqual([]);
    expect(statuses(report).shapes).toBe('passed');
  });

  it('fails shapes when the source side has other trailing axes', async () => {
    const report = await runMethodConformance(idsMethod(false), options);
    expect(failed(report)).toEqual(['shapes']);
    expect(detail(report, 'shapes')).toContain('source_attributions has trailing axes [1], expected []');
  });
});

describe('conformanceModels', () => {
  it('builds tiny models in the Hugging Face layout for the loader it is given, with their tokenizers', async () => {
    const seen: string[] = [];
    const models = await conformanceModels(
      async (files) => {
        seen.push(`${files.location}:${await files.has('config.json')}:${await files.has('model.safetensors')}`);
        return model.backend;
      },
      { architectures: ['gpt2', 'qwen2'] },
    );
    expect(seen).toEqual(['tiny-gpt2:true:true', 'tiny-qwen2:true:true']);
    expect(models.map((m) => m.name)).toEqual(['tiny-gpt2', 'tiny-qwen2']);
    expect(models[0].tokenizer.encode('the cat').length).toBeGreaterThan(0);
  });
});
