import { cp, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { defaultModelPath } from './default-model-path';
import { runCaptured } from './run-captured.test-support';

const run = runCaptured;

const CASES = [
  { phenomenon: 'fact', prompt: 'The capital of France is', target: ' Paris', decisive: 'France' },
  { phenomenon: 'agreement', prompt: 'The keys to the cabinet', target: ' are', decisive: 'keys' },
  { phenomenon: 'copying', prompt: 'Alice bought a book. The book belongs to', target: ' Alice', decisive: 'Alice' },
];
/** The untrained tiny model: a folder without evaluation.jsonl. */
const TINY_GPT2 = fileURLToPath(new URL('../../../models/tiny-gpt2', import.meta.url));
const jsonl = (cases: readonly object[]) => cases.map((c) => JSON.stringify(c)).join('\n');
const README = '# Model\n\nScores:\n\n<!-- inseq-evaluate:start -->\nold\n<!-- inseq-evaluate:end -->\n\nMore text.\n';

describe('inseq evaluate', () => {
  it('evaluates methods on the shipped model: table, JSON, HTML chart and the README block; same seed, same JSON', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'inseq-evaluate-'));
    const dataset = join(directory, 'cases.jsonl');
    await writeFile(dataset, jsonl(CASES));
    await writeFile(join(directory, 'README.md'), README);
    const common = ['evaluate', '--dataset', dataset, '-a', 'saliency', 'attention', '--k', '2', '--seed', '3'];
    const first = await run(...common, '-o', join(directory, 'a.json'), '--html', join(directory, 'a.html'), '--markdown-into', join(directory, 'README.md'));
    expect(first.stderr).not.toContain('error');
    expect(first.code).toBe(0);
    const lines = first.stdout.split('\n');
    expect(lines[0]).toBe('evaluate · models/inseq-demo-gpt2 (gpt2, 4 layers, tfjs)');
    expect(first.stdout).toContain('3 cases (fact, agreement, copying) · k = 2');
    expect(lines.filter((line) => /^(saliency|attention|random) +│/.test(line))).toHaveLength(6); // overall + by phenomenon

    const result = JSON.parse(await readFile(join(directory, 'a.json'), 'utf8'));
    expect(result.k).toBe(2);
    expect(result.seed).toBe(3);
    expect(result.caseRecords).toHaveLength(3);
    expect(result.methods.map((row: { method: string }) => row.method)).toEqual(['saliency', 'attention', 'random']);
    // The table shows the JSON's numbers, each to the precision it prints.
    const saliency = result.methods[0].overall;
    const cells = lines.find((line) => line.startsWith('saliency'))!.split('│')[1].trim().split(/\s+/);
    const keys = ['hitAt1', 'hitAtK', 'comprehensiveness', 'sufficiency', 'aopcComprehensiveness', 'aopcSufficiency'];
    expect(cells).toHaveLength(keys.length);
    keys.forEach((key, c) => {
      const decimals = cells[c].split('.')[1].length;
      expect(Math.abs(Number(cells[c]) - saliency[key])).toBeLessThanOrEqual(0.5 * 10 ** -decimals + 1e-12);
    });
    // Hit rates are shares of the three cases.
    expect([0, 1 / 3, 2 / 3, 1].some((v) => Math.abs(v - saliency.hitAt1) < 1e-12)).toBe(true);

    const page = await readFile(join(directory, 'a.html'), 'utf8');
    expect(page).toMatch(/^<!DOCTYPE html>/);
    expect(page.match(/<svg/g)).toHaveLength(6);
    const readme = await readFile(join(directory, 'README.md'), 'utf8');
    expect(readme.startsWith('# Model\n\nScores:\n\n<!-- inseq-evaluate:start -->\nModel `')).toBe(true);
    expect(readme).toContain('| `saliency` |');
    expect(readme).not.toContain('\nold\n');
    expect(readme.endsWith('<!-- inseq-evaluate:end -->\n\nMore text.\n')).toBe(true);

    const second = await run(...common, '-o', join(directory, 'b.json'));
    expect(second.code).toBe(0);
    expect(await readFile(join(directory, 'b.json'), 'utf8')).toBe(await readFile(join(directory, 'a.json'), 'utf8'));
    const otherSeed = await run('evaluate', '--dataset', dataset, '-a', 'saliency', '--k', '2', '--seed', '4', '-o', join(directory, 'c.json'));
    expect(otherSeed.code).toBe(0);
    const other = JSON.parse(await readFile(join(directory, 'c.json'), 'utf8'));
    expect(other.caseRecords.map((c: { methods: { random: { ranking: number[] } } }) => c.methods.random.ranking)).not.toEqual(
      result.caseRecords.map((c: { methods: { random: { ranking: number[] } } }) => c.methods.random.ranking),
    );
    // saliency does not depend on the seed.
    expect(other.methods[0].overall).toEqual(result.methods[0].overall);
  });

  it('reads evaluation.jsonl from the model folder, honours --max-cases and reports --timings', async () => {
    const model = await mkdtemp(join(tmpdir(), 'inseq-evaluate-model-'));
    await cp(defaultModelPath()!, model, { recursive: true });
    await writeFile(join(model, 'evaluation.jsonl'), jsonl(CASES));
    const { code, stdout, stderr } = await run('evaluate', '-m', model, '-a', 'occlusion', '--max-cases', '1', '--timings');
    expect(code).toBe(0);
    expect(stdout).toContain('1 cases (fact) · k = 3');
    expect(stderr).toMatch(/seconds per case: occlusion \d+\.\d{3}, erasure \d+\.\d{3}/);
  });

  it('--per-phenomenon keeps the first n cases of each phenomenon', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'inseq-evaluate-per-'));
    const dataset = join(directory, 'cases.jsonl');
    const extra = { phenomenon: 'fact', prompt: 'The capital of Italy is', target: ' Rome', decisive: 'Italy' };
    await writeFile(dataset, jsonl([CASES[0], extra, CASES[1], CASES[2]]));
    const out = join(directory, 'out.json');
    const { code } = await run('evaluate', '--dataset', dataset, '-a', 'occlusion', '--per-phenomenon', '1', '-o', out);
    expect(code).toBe(0);
    const saved = JSON.parse(await readFile(out, 'utf8'));
    expect(saved.caseRecords.map((c: { prompt: string }) => c.prompt)).toEqual(CASES.map((c) => c.prompt));
  });

  describe('bad input: a clear error, exit code 1 or 2, nothing written', () => {
    async function expectRefused(argv: (directory: string) => string[], pattern: RegExp, exitCode = 1) {
      const directory = await mkdtemp(join(tmpdir(), 'inseq-evaluate-bad-'));
      await writeFile(join(directory, 'cases.jsonl'), jsonl(CASES));
      await writeFile(join(directory, 'README.md'), README);
      const before = (await readdir(directory)).sort();
      const result = await run(...argv(directory), '-o', join(directory, 'out.json'), '--html', join(directory, 'out.html'));
      expect(result.code).toBe(exitCode);
      expect(result.stderr).toMatch(pattern);
      expect(result.stderr).not.toMatch(/\n\s+at /);
      expect((await readdir(directory)).sort()).toEqual(before);
      expect(await readFile(join(directory, 'README.md'), 'utf8')).toBe(README);
    }
    it('no dataset and none in the model folder', () => expectRefused(() => ['evaluate', '-m', TINY_GPT2, '-a', 'saliency'], /holds no evaluation.jsonl; pass --dataset/));
    it('a bad line in the dataset', async () => {
      const directory = await mkdtemp(join(tmpdir(), 'inseq-evaluate-bad-'));
      const dataset = join(directory, 'bad.jsonl');
      await writeFile(dataset, `${jsonl(CASES)}\n{"phenomenon":"fact","prompt":"The cat","target":" sat","decisive":"dog"}`);
      await expectRefused(() => ['evaluate', '--dataset', dataset], /bad.jsonl, line 4 has decisive "dog", which does not occur in the prompt/);
    });
    it('a markdown file without the markers', async () => {
      const markdown = join(await mkdtemp(join(tmpdir(), 'inseq-evaluate-md-')), 'plain.md');
      await writeFile(markdown, '# No markers\n');
      await expectRefused((d) => ['evaluate', '--dataset', join(d, 'cases.jsonl'), '--markdown-into', markdown], /plain.md has no <!-- inseq-evaluate:start --> and no/);
      expect(await readFile(markdown, 'utf8')).toBe('# No markers\n');
    });
    it('an unknown method', () =>
      expectRefused((d) => ['evaluate', '--dataset', join(d, 'cases.jsonl'), '-a', 'saliencyy'], /Unknown attribution method 'saliencyy'/));
    it('per-method options that are not objects', () =>
      expectRefused((d) => ['evaluate', '--dataset', join(d, 'cases.jsonl'), '--attribution-kwargs', '{"n_steps": 3}'], /maps method ids to option objects/));
    it('k of zero', () => expectRefused((d) => ['evaluate', '--dataset', join(d, 'cases.jsonl'), '--k', '0'], /'--k <n>' argument '0' is invalid\. must be a positive integer \(at least 1\)/, 2));
  });
});
