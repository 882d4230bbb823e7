import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tinyGpt2OnnxFiles, tinyGpt2TorchOnnxFiles } from '@inseq/testing';
import { loadOutput } from 'inseq';
import { describe, expect, it } from 'vitest';
import { defaultModelPath } from './default-model-path';
import { runCaptured } from './run-captured.test-support';

const run = runCaptured;

describe('inseq CLI', () => {
  it('finds the shipped model as the default', () => {
    const path = defaultModelPath();
    expect(path).toBeDefined();
    expect(existsSync(join(path!, 'config.json'))).toBe(true);
  });

  it('attributes on the shipped model, prints the table and writes JSON and HTML', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'inseq-cli-'));
    const json = join(directory, 'out.json');
    const html = join(directory, 'out.html');
    const { code, stdout, stderr } = await run(
      'attribute',
      '-i',
      'The capital of France is',
      '-g',
      'The capital of France is Paris',
      '--step-scores',
      'probability',
      '-a',
      'integrated_gradients',
      '--attribution-kwargs',
      '{"n_steps": 8, "return_convergence_delta": true}',
      '-o',
      json,
      '--viz-path',
      html,
      '--no-color',
    );
    expect(stderr).not.toContain('error');
    expect(code).toBe(0);
    expect(stdout).not.toContain('\x1b[');
    expect(stdout).toContain('probability');
    expect(stdout).toMatch(/^ of +│/m);
    expect(stdout.split('\n')[0]).toBe('integrated_gradients · models/inseq-demo-gpt2 (gpt2, 4 layers, tfjs)');
    const output = await loadOutput(json);
    const [sequence] = output.sequence_attributions;
    expect(output.info.attribution_method).toBe('integrated_gradients');
    expect(output.info.attribution_args).toMatchObject({ n_steps: 8, return_convergence_delta: true });
    expect(sequence.target.map((t) => t.token).join('')).toBe('The capital of France is Paris'.replaceAll(' ', 'Ġ'));
    expect(Object.keys(sequence.step_scores).sort()).toEqual(['deltas', 'probability']);
    const page = await readFile(html, 'utf8');
    expect(page).toMatch(/^<!DOCTYPE html>/i);
    expect(page).toContain('<table');
  });

  it('aggregates the saved output as the Inseq CLI flags ask (--attribution-aggregators, --normalize-attributions, --aggregate-output)', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'inseq-cli-agg-'));
    const common = ['attribute', '-i', 'The capital of France is', '-g', 'The capital of France is Paris', '-a', 'saliency', '--hide'];
    const raw = join(directory, 'raw.json');
    const aggregated = join(directory, 'aggregated.json');
    const byDefault = join(directory, 'default.json');
    expect((await run(...common, '-o', raw)).code).toBe(0);
    expect((await run(...common, '-o', aggregated, '--attribution-aggregators', 'subwords', 'vnorm', '--normalize-attributions')).code).toBe(0);
    expect((await run(...common, '-o', byDefault, '--aggregate-output')).code).toBe(0);
    const [rawOut, aggregatedOut, defaultOut] = await Promise.all([loadOutput(raw), loadOutput(aggregated), loadOutput(byDefault)]);
    const rawAttributions = rawOut.sequence_attributions[0].target_attributions!;
    expect(rawAttributions.shape).toHaveLength(3);
    const sequence = aggregatedOut.sequence_attributions[0];
    // ' capital' is one GPT-2 token here; 'Paris' may split into subwords, which merge into one word.
    expect(sequence.target_attributions!.shape).toHaveLength(2);
    expect(sequence.target.length).toBeLessThanOrEqual(rawOut.sequence_attributions[0].target.length);
    const [len, steps] = sequence.target_attributions!.shape;
    const firstColumn = Array.from({ length: len }, (_, r) => sequence.target_attributions!.data[r * steps]).filter(Number.isFinite);
    expect(firstColumn.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
    expect(defaultOut.sequence_attributions[0].target_attributions!.shape).toEqual([rawAttributions.shape[0], rawAttributions.shape[1]]);
  });

  it('saves in Python Inseq format (float16, gzipped, one file per sequence) that loads back to the same tokens', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'inseq-cli-format-'));
    const path = join(directory, 'out.json.gz');
    const { code, stderr } = await run(
      'attribute',
      '-i', 'The cat', 'A dog',
      '-g', 'The cat sat', 'A dog ran',
      '-a', 'saliency',
      '--hide',
      '--aggregate-output',
      '--format', 'inseq',
      '--scores-precision', 'float16',
      '--split-sequences',
      '-o', path,
    );
    expect(code).toBe(0);
    expect(stderr).toContain('out_0.json.gz');
    const files = (await readdir(directory)).sort();
    expect(files).toEqual(['out_0.json.gz', 'out_1.json.gz']);
    const bytes = await readFile(join(directory, files[0]));
    expect([bytes[0], bytes[1]]).toEqual([0x1f, 0x8b]);
    const first = await loadOutput(join(directory, files[0]));
    expect(first.sequence_attributions).toHaveLength(1);
    expect(first.sequence_attributions[0].target.map((t) => t.token).join('')).toBe('TheĠcatĠsat');
    const raw = await import('node:zlib').then((zlib) => zlib.gunzipSync(bytes).toString('utf8'));
    expect(raw).toContain('__instance_type__');
    const bad = await run('attribute', '-i', 'The cat', '--format', 'pickle');
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/inseq-ts, inseq/);
  });

  it('warns that --attribute-target has no effect on a decoder-only model, and still attributes', async () => {
    const { code, stderr } = await run('attribute', '-i', 'The cat', '-g', 'The cat sat', '--attribute-target', '--hide');
    expect(code).toBe(0);
    expect(stderr).toMatch(/^warning: --attribute-target has no effect on the decoder-only model/);
  });

  it('refuses seq2seq options on the decoder-only shipped model, naming them', async () => {
    const prefix = await run('attribute', '-i', 'The cat', '-g', 'The cat sat', '--generate-from-target-prefix');
    expect(prefix.code).not.toBe(0);
    expect(prefix.stderr).toMatch(/^error: --generate-from-target-prefix apply to encoder-decoder models only/);
    const kwargs = await run('attribute', '-i', 'The cat', '--tokenizer-kwargs', '{"padding": true}');
    expect(kwargs.code).not.toBe(0);
    expect(kwargs.stderr).toMatch(/unsupported key\(s\) padding; supported: src_lang, tgt_lang/);
  });

  it('refuses an unknown aggregator and conflicting normalisation flags before loading the model', async () => {
    const unknown = await run('attribute', '-i', 'The cat', '--attribution-aggregators', 'subword');
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toMatch(/subword.*subwords/s);
    const both = await run('attribute', '-i', 'The cat', '--attribution-aggregators', 'vnorm', '--normalize-attributions', '--rescale-attributions');
    expect(both.code).not.toBe(0);
    expect(both.stderr).toMatch(/exclude each other/);
  });

  it('generates when no generated texts are given, honouring --max-new-tokens', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'inseq-cli-'));
    const json = join(directory, 'out.json');
    const { code } = await run('attribute', '-i', 'Hello world', '--max-new-tokens', '3', '-o', json, '--hide');
    expect(code).toBe(0);
    const [sequence] = (await loadOutput(json)).sequence_attributions;
    expect(sequence.attr_pos_end - sequence.attr_pos_start).toBeLessThanOrEqual(3);
    expect(sequence.target_attributions!.shape[2]).toBe(128); // the demo model's hidden size
  });

  it('lists methods and step functions from the registries', async () => {
    const methods = await run('list-methods');
    expect(methods.code).toBe(0);
    for (const id of ['saliency', 'input_x_gradient', 'integrated_gradients']) expect(methods.stdout).toContain(id);
    const stepFunctions = await run('list-step-functions');
    expect(stepFunctions.stdout).toMatch(/probability[\s\S]*logit/);
  });

  it('runs a plugin’s method and step function by id (--plugin)', async () => {
    const plugin = fileURLToPath(new URL('../../../examples/custom-plugin/src/index.ts', import.meta.url));
    const listed = await run('list-methods', '--plugin', plugin);
    expect(listed.stdout).toContain('gradient_norm');
    const directory = await mkdtemp(join(tmpdir(), 'inseq-cli-'));
    const json = join(directory, 'out.json');
    const { code, stderr } = await run(
      'attribute', '-i', 'Hello world', '--max-new-tokens', '2', '--plugin', plugin,
      '-a', 'gradient_norm', '--step-scores', 'target_rank', '-o', json, '--hide',
    );
    expect(stderr).not.toContain('error');
    expect(code).toBe(0);
    const [sequence] = (await loadOutput(json)).sequence_attributions;
    expect(sequence.target_attributions!.shape).toHaveLength(2);
    expect(Array.from(sequence.step_scores.target_rank.data).every((rank) => rank === 0)).toBe(true);
    const missing = await run('list-methods', '--plugin', './no-such-plugin.js');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/Cannot load plugin/);
  });

  it('attributes a contrastive target from the command line', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'inseq-cli-'));
    const json = join(directory, 'out.json');
    const { code, stderr } = await run(
      'attribute', '-i', 'The capital of France is', '-g', 'The capital of France is Paris',
      '--contrast-targets', 'The capital of France is London', '--attributed-fn', 'contrast_prob_diff',
      '--step-scores', 'probability', 'contrast_prob', '-o', json, '--hide',
    );
    expect(stderr).not.toContain('error');
    expect(code).toBe(0);
    const output = await loadOutput(json);
    const scores = output.sequence_attributions[0].step_scores;
    expect(output.info.attributed_fn).toBe('contrast_prob_diff');
    expect(scores.contrast_prob.data.length).toBe(scores.probability.data.length);
  });

  describe('a folder holding only an ONNX export', () => {
    async function onnxFolder(): Promise<string> {
      const directory = await mkdtemp(join(tmpdir(), 'inseq-cli-onnx-'));
      for (const [name, bytes] of Object.entries(tinyGpt2OnnxFiles())) {
        await mkdir(dirname(join(directory, name)), { recursive: true });
        await writeFile(join(directory, name), bytes);
      }
      return directory;
    }

    it('loads on ort by itself and runs dummy with step scores', async () => {
      const model = await onnxFolder();
      const json = join(await mkdtemp(join(tmpdir(), 'inseq-cli-')), 'out.json');
      const { code, stderr } = await run(
        'attribute', '-m', model, '-a', 'dummy', '-i', 'the cat', '-g', 'the cat sat on the mat',
        '--step-scores', 'probability', 'entropy', '-o', json, '--hide',
      );
      expect(stderr).not.toContain('error');
      expect(code).toBe(0);
      const output = await loadOutput(json);
      expect(output.info.backend).toBe('ort');
      const [sequence] = output.sequence_attributions;
      const steps = sequence.attr_pos_end - sequence.attr_pos_start;
      expect(steps).toBeGreaterThan(1);
      expect(sequence.step_scores.probability.data).toHaveLength(steps);
      expect(sequence.step_scores.entropy.data).toHaveLength(steps);
    });

    it('runs a gradient method on ort (gradients of the ONNX graph); layer DeepLIFT (no rescale rule there) fails with the capability error', async () => {
      const model = await onnxFolder();
      const saved = await mkdtemp(join(tmpdir(), 'inseq-cli-'));
      const ok = await run('attribute', '-m', model, '-a', 'saliency', '-i', 'the cat', '-g', 'the cat sat', '-o', join(saved, 'out.json'), '--hide');
      expect(ok.code).toBe(0);
      const [sequence] = (await loadOutput(join(saved, 'out.json'))).sequence_attributions;
      expect(Array.from(sequence.target_attributions!.data).some((v) => Number.isFinite(v) && v > 0)).toBe(true);
      const directory = await mkdtemp(join(tmpdir(), 'inseq-cli-'));
      const { code, stderr } = await run(
        'attribute', '-m', model, '-a', 'layer_deeplift', '-i', 'the cat', '-g', 'the cat sat', '-o', join(directory, 'out.json'),
      );
      expect(code).toBe(1);
      expect(stderr).toMatch(/layer_deeplift needs rescaleGradients; backend 'ort' offers: forward, gradients/);
      expect(stderr).not.toMatch(/\n\s+at /);
      expect(await readdir(directory)).toEqual([]);
    });
  });

  describe('a torch.onnx.export GPT-2 (model.onnx in the folder root, torch initializer names)', () => {
    async function torchFolder(): Promise<string> {
      const directory = await mkdtemp(join(tmpdir(), 'inseq-cli-torch-'));
      for (const [name, bytes] of Object.entries(tinyGpt2TorchOnnxFiles({ withPast: true, outputAttentions: true }))) await writeFile(join(directory, name), bytes);
      return directory;
    }

    it.each([
      ['dummy', ['--max-new-tokens', '4', '--step-scores', 'probability']],
      ['attention', ['-g', 'the cat sat on the mat']],
      ['occlusion', ['-g', 'the cat sat on the mat']],
    ])('runs %s with --backend ort', async (method, extra) => {
      const model = await torchFolder();
      const json = join(await mkdtemp(join(tmpdir(), 'inseq-cli-')), 'out.json');
      const { code, stderr } = await run('attribute', '-m', model, '--backend', 'ort', '-a', method, '-i', 'the cat', ...extra, '-o', json, '--hide');
      expect(stderr).not.toContain('rror');
      expect(code).toBe(0);
      const output = await loadOutput(json);
      expect(output.info.backend).toBe('ort');
      const [sequence] = output.sequence_attributions;
      expect(sequence.attr_pos_end - sequence.attr_pos_start).toBeGreaterThan(1);
      if (method === 'dummy') expect(sequence.step_scores.probability.data.every((p) => p > 0 && p <= 1)).toBe(true);
      else expect(sequence.target_attributions!.data.some((v) => Number.isFinite(v) && v > 0)).toBe(true);
    });
  });

  describe('bad input: a clear error, exit code 1 or 2, no output file', () => {
    async function expectNoFiles(argv: string[], pattern: RegExp, exitCode = 1) {
      const directory = await mkdtemp(join(tmpdir(), 'inseq-cli-'));
      const result = await run(...argv, '-o', join(directory, 'out.json'), '--viz-path', join(directory, 'out.html'));
      expect(result.code).toBe(exitCode);
      expect(result.stderr).toMatch(pattern);
      expect(result.stderr).not.toMatch(/\n\s+at /); // no stack trace
      expect(await readdir(directory)).toEqual([]);
    }
    it('unknown method', () =>
      expectNoFiles(['attribute', '-i', 'Hi', '-a', 'integrated_gradient'], /Unknown attribution method 'integrated_gradient'. Did you mean 'integrated_gradients'\? Known attribution methods: saliency, input_x_gradient, integrated_gradients/));
    it('unknown step function', () =>
      expectNoFiles(['attribute', '-i', 'Hi', '--step-scores', 'entropyy'], /Unknown step function 'entropyy'/));
    it('generated text that does not start with the input', () =>
      expectNoFiles(['attribute', '-i', 'Hello', '-g', 'Goodbye world'], /does not start with its input text/));
    it('missing model folder', () =>
      expectNoFiles(['attribute', '-i', 'Hi', '-m', '/nonexistent/model'], /does not exist or is not a directory/));
    it('malformed --attribution-kwargs', () =>
      expectNoFiles(['attribute', '-i', 'Hi', '--attribution-kwargs', '{n_steps: 3}'], /not valid JSON/, 2));
    it('unknown method option', () =>
      expectNoFiles(['attribute', '-i', 'Hi', '-a', 'saliency', '--attribution-kwargs', '{"n_steps": 3}'], /saliency has no option 'n_steps'/));
    it('input longer than the context', () =>
      expectNoFiles(['attribute', '-i', 'word '.repeat(80)], /at most 64/));
  });
});
