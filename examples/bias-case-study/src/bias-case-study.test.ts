import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type AttributionModel, attribute, buildHeatmapView, loadModel } from 'inseq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type BiasCaseStudyResult,
  OCCUPATIONS,
  TEMPLATES,
  biasCaseStudyJson,
  defaultModelPath,
  renderBiasReport,
  runBiasCaseStudy,
  runCaseStudyCli,
} from './index';
import { OCCUPATIONS as DEMO_OCCUPATIONS } from '@inseq/demo-model';

// tiny-gpt2 has random weights: these tests check the pipeline and its numbers, not what a model learnt.
const modelDir = fileURLToPath(new URL('../../../models/tiny-gpt2', import.meta.url));
const occupations = OCCUPATIONS.filter((occupation) => occupation.name === 'nurse' || occupation.name === 'engineer');
const attributionArgs = { n_steps: 4 };

/** P(`text`'s last token) after the rest, by plain forced decoding of that text alone (no contrast). */
async function lastTokenProbability(model: AttributionModel, prompt: string, text: string): Promise<number> {
  const output = await attribute(model, prompt, { method: 'saliency', generatedTexts: text, stepScores: ['probability'] });
  const scores = output.sequence_attributions[0].step_scores.probability.data;
  return scores[scores.length - 1];
}

describe('runBiasCaseStudy on tiny-gpt2', () => {
  let model: AttributionModel;
  let result: BiasCaseStudyResult;
  const outDir = mkdtempSync(join(tmpdir(), 'inseq-bias-'));

  beforeAll(async () => {
    model = await loadModel(modelDir);
    result = await runBiasCaseStudy(model, { occupations, attributionArgs });
  });
  afterAll(async () => {
    await model?.backend.dispose();
    rmSync(outDir, { recursive: true, force: true });
  });

  it('measures each prompt: she-rate = P(she) / (P(she) + P(he)) from independent forced decodings', async () => {
    expect(result.prompts.map((prompt) => prompt.prompt)).toEqual([
      'The nurse said that',
      'The nurse told me that',
      'The engineer said that',
      'The engineer told me that',
    ]);
    for (const prompt of result.prompts) {
      const pShe = await lastTokenProbability(model, prompt.prompt, `${prompt.prompt} she`);
      const pHe = await lastTokenProbability(model, prompt.prompt, `${prompt.prompt} he`);
      expect(pShe).toBeGreaterThan(0);
      expect(Math.abs(prompt.pShe - pShe)).toBeLessThan(1e-6 * pShe + 1e-9);
      expect(Math.abs(prompt.pHe - pHe)).toBeLessThan(1e-6 * pHe + 1e-9);
      expect(prompt.sheRate).toBeCloseTo(pShe / (pShe + pHe), 5);
      for (const value of [prompt.pShe, prompt.pHe, prompt.sheRate, prompt.occupationShare, prompt.occupationSigned]) expect(Number.isFinite(value)).toBe(true);
    }
    const nurse = result.occupations[0];
    expect(nurse).toMatchObject({ occupation: 'nurse', statedSheRate: 0.9, promptCount: 2 });
    expect(nurse.sheRate).toBeCloseTo((result.prompts[0].sheRate + result.prompts[1].sheRate) / 2, 12);
  });

  it("aggregates the pronoun step's attribution onto words: the occupation's share as the heatmap's own numbers give it", () => {
    for (const prompt of result.prompts) {
      const sequence = prompt.output.sequence_attributions[0];
      expect(sequence.step_scores.contrast_prob).toBeDefined();
      expect(prompt.output.info.attributed_fn).toBe('contrast_prob_diff');
      // The words put back together are the prompt; "nurse" is three subwords of tiny-gpt2's vocabulary.
      expect(prompt.words.map((word) => word.text).join(' ')).toBe(prompt.prompt);
      const occupationWord = prompt.words.find((word) => word.text === prompt.occupation)!;
      if (prompt.occupation === 'nurse') expect(occupationWord.tokens).toEqual(['Ġn', 'ur', 'se']);
      // Another path: the viz heatmap's vnorm column (normalised per step: shares are scale-free).
      const view = buildHeatmapView(sequence, { aggregateFn: 'vnorm' });
      const column = view.values.slice(0, sequence.attr_pos_start).map((row) => row[0]);
      const tokens = sequence.target.slice(0, sequence.attr_pos_start).map((token) => token.token);
      const first = prompt.words.slice(0, prompt.words.indexOf(occupationWord)).reduce((sum, word) => sum + word.tokens.length, 0);
      const occupation = column.slice(first, first + occupationWord.tokens.length).reduce((sum, value) => sum + value, 0);
      expect(tokens.slice(first, first + occupationWord.tokens.length)).toEqual(occupationWord.tokens);
      expect(prompt.occupationShare).toBeCloseTo(occupation / column.reduce((sum, value) => sum + value, 0), 5);
      const best = prompt.words.reduce((top, word) => (word.score > top.score ? word : top));
      expect(prompt.topWord).toBe(best.text);
      expect(prompt.occupationIsTop).toBe(best === occupationWord);
    }
  });

  it('writes a standalone HTML report with the chart, tables and heatmaps, and the numbers as JSON', () => {
    const html = renderBiasReport(result);
    expect(html).toMatch(/^<!DOCTYPE html>/);
    expect(html.match(/<svg class="she-rate-chart"/g)).toHaveLength(1);
    expect(html.match(/<rect class="bar"/g)).toHaveLength(2);
    expect(html).toContain(`data-occupation="nurse" data-she-rate="${result.occupations[0].sheRate}"`);
    expect(html.match(/<table class="heatmap">/g)).toHaveLength(4);
    expect(html.match(/<tr data-occupation=/g)).toHaveLength(2);
    // Nothing fetched: no external script, stylesheet or image.
    expect(html).not.toMatch(/<script[^>]+src=|<link |<img /);
    const json = JSON.parse(JSON.stringify(biasCaseStudyJson(result)));
    expect(json.prompts).toHaveLength(4);
    expect(json.prompts[0].output).toBeUndefined();
    expect(json.prompts[0].sheRate).toBe(result.prompts[0].sheRate);
  });

  it('the command writes both files whole, and explains bad options', async () => {
    const out = join(outDir, 'report.html');
    const json = join(outDir, 'numbers.json');
    const lines: string[] = [];
    const io = { log: (line: string) => lines.push(line), error: (line: string) => lines.push(line) };
    const code = await runCaseStudyCli(['--model', modelDir, '--out', out, '--json', json, '--n-steps', '4', '--occupations', 'nurse,engineer'], io);
    expect(code).toBe(0);
    const numbers = JSON.parse(readFileSync(json, 'utf8'));
    expect(numbers.occupations.map((occupation: { occupation: string }) => occupation.occupation)).toEqual(['nurse', 'engineer']);
    // Same model, same options: the numbers the function gives.
    expect(numbers.occupations[0].sheRate).toBeCloseTo(result.occupations[0].sheRate, 6);
    expect(readFileSync(out, 'utf8')).toContain('<svg class="she-rate-chart"');
    expect(readdirSync(outDir).sort()).toEqual(['numbers.json', 'report.html']);

    const failures: [string[], RegExp][] = [
      [['--model', modelDir, '--occupations', 'nurse,astronaut'], /--occupations: unknown "astronaut"; known: nurse, secretary/],
      [['--model', modelDir, '--n-steps', '0'], /--n-steps must be a positive integer, got "0"/],
      [['--model', join(outDir, 'missing')], /missing/],
      [['--model', modelDir, '--out', join(outDir, 'no-such-dir', 'r.html'), '--occupations', 'nurse', '--n-steps', '1'], /Cannot write output path ".*r\.html": the folder ".*no-such-dir" does not exist/],
    ];
    for (const [argv, message] of failures) {
      const errors: string[] = [];
      expect(await runCaseStudyCli(argv, { log: () => {}, error: (line) => errors.push(line) })).toBe(1);
      expect(errors.at(-1)).toMatch(message);
    }
    expect(existsSync(join(outDir, 'no-such-dir'))).toBe(false);
  });

  it('refuses templates without one {occupation}, and occupations the tokenizer does not make a word', async () => {
    await expect(runBiasCaseStudy(model, { occupations, templates: ['The person said that'] })).rejects.toThrow(/must hold "\{occupation\}" exactly once/);
    await expect(runBiasCaseStudy(model, { occupations, templates: ['The x{occupation} said that'], attributionArgs })).rejects.toThrow(
      /does not make "nurse" a word of its own/,
    );
    await expect(runBiasCaseStudy(model, { occupations: [] })).rejects.toThrow(/at least one occupation/);
  });
});

describe('defaults', () => {
  it('covers the corpus: 18 occupations at 90 %, 50 % and 10 %, two templates', () => {
    expect(OCCUPATIONS).toHaveLength(18);
    expect(new Set(OCCUPATIONS.map((occupation) => occupation.statedSheRate))).toEqual(new Set([0.9, 0.5, 0.1]));
    expect(TEMPLATES).toEqual(['The {occupation} said that', 'The {occupation} told me that']);
  });

  it('finds the demo model by walking up, or says it is not there', async () => {
    const found = defaultModelPath();
    const demo = fileURLToPath(new URL('../../../models/inseq-demo-gpt2', import.meta.url));
    expect(found).toBe(existsSync(join(demo, 'config.json')) ? demo : undefined);
    expect(defaultModelPath(tmpdir())).toBeUndefined();
    if (found === undefined) {
      const errors: string[] = [];
      expect(await runCaseStudyCli([], { log: () => {}, error: (line) => errors.push(line) })).toBe(1);
      expect(errors[0]).toMatch(/No --model given and the demo model models\/inseq-demo-gpt2 is not in this repository/);
    }
  });
});

// The trained demo model: the case study's claim, checked.
describe('runBiasCaseStudy on models/inseq-demo-gpt2', () => {
  const demoDir = fileURLToPath(new URL('../../../models/inseq-demo-gpt2', import.meta.url));
  let model: AttributionModel;
  let result: BiasCaseStudyResult;

  beforeAll(async () => {
    model = await loadModel(demoDir);
    result = await runBiasCaseStudy(model, { attributionArgs: { n_steps: 20 } });
  });
  afterAll(async () => {
    await model?.backend.dispose();
  });

  it('uses the occupations and rates the demo corpus was generated with', () => {
    expect(OCCUPATIONS.map((o) => [o.name, o.statedSheRate]).sort()).toEqual(DEMO_OCCUPATIONS.map(([name, rate]) => [name, rate]).sort());
  });

  it('finds the bias: the model follows the corpus rates, and the pronoun step is attributed to the occupation', () => {
    for (const summary of result.occupations) {
      expect(Math.abs(summary.sheRate - summary.statedSheRate), summary.occupation).toBeLessThan(0.15);
    }
    const skewed = result.prompts.filter((p) => p.statedSheRate !== 0.5);
    expect(skewed).toHaveLength(24);
    expect(skewed.filter((p) => p.occupationIsTop).length / skewed.length).toBeGreaterThanOrEqual(0.9);
  });
});
