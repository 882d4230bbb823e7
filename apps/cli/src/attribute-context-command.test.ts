import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { createTinyMarian } from '@inseq/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { runCaptured } from './run-captured.test-support';
import { runCli } from './run-cli';

const BIN = fileURLToPath(new URL('../dist/bin.js', import.meta.url));

const dir = mkdtempSync(join(tmpdir(), 'inseq-pecore-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('inseq attribute-context', () => {
  it('decoder-only (shipped tiny GPT-2): terminal view, JSON and HTML', async () => {
    const save = join(dir, 'out.json');
    const viz = join(dir, 'out.html');
    const { code, stdout, stderr } = await runCaptured(
      'attribute-context', '--input-context-text', 'the cat sat on the mat .', '--input-current-text', 'the dog',
      '--output-current-text', 'sat on the <b>mat</b>', '--context-sensitivity-topk', '1', '--attribution-topk', '2',
      '--attribution-std-threshold', '0', '--save-path', save, '--viz-path', viz,
    );
    expect(stderr).toContain('Saved PECoRe output to');
    expect(code).toBe(0);
    expect(stdout).not.toContain('\u001b'); // not a TTY: no colour
    expect(stdout).toMatch(/input context: .*\[.*\]/);
    expect(stdout).toMatch(/output: .*\{.*\}/);
    const json = JSON.parse(readFileSync(save, 'utf8'));
    expect(Object.keys(json)).toEqual(['input_context', 'input_context_tokens', 'output_context', 'output_context_tokens', 'output_current', 'output_current_tokens', 'cti_scores', 'cti_selected', 'cci_scores', 'info']);
    expect(json.cci_scores).toHaveLength(1);
    expect(json.cci_scores[0].input_context_cues).toHaveLength(2);
    const html = readFileSync(viz, 'utf8');
    expect(html).toContain('&lt;');
    expect(html).not.toContain('<b>');
  });

  it('encoder-decoder (tiny Marian): the context is on the source side', async () => {
    const folder = join(dir, 'marian');
    for (const [name, data] of Object.entries(createTinyMarian().files)) {
      mkdirSync(dirname(join(folder, name)), { recursive: true });
      writeFileSync(join(folder, name), data);
    }
    const save = join(dir, 'marian.json');
    const { code, stderr } = await runCaptured(
      'attribute-context', '-m', folder, '--input-context-text', 'the cat sat', '--input-current-text', 'the dog',
      '--output-current-text', 'le chien', '--context-sensitivity-std-threshold', '0', '--context-sensitivity-topk', '1', '--attribution-topk', '1', '--attribution-std-threshold', '0', '--save-path', save,
    );
    expect(stderr).not.toMatch(/error/);
    expect(code).toBe(0);
    const json = JSON.parse(readFileSync(save, 'utf8'));
    expect(json.input_context_tokens.length).toBeGreaterThan(0);
    expect(json.cti_scores.length).toBe(json.output_current_tokens.length);
    expect(json.cci_scores[0].input_context_scores).toHaveLength(json.input_context_tokens.length);
    expect(json.cci_scores[0].input_context_cues).toHaveLength(1);
  });

  it('bad input: a clear error and no file written', async () => {
    const save = join(dir, 'bad.json');
    const { code, stderr } = await runCaptured('attribute-context', '--input-current-text', 'the dog', '--input-template', '{context}', '--save-path', save);
    expect(code).not.toBe(0);
    expect(stderr).toMatch(/inputTemplate must contain '\{current\}'/);
    expect(existsSync(save)).toBe(false);
  });

  it('output context generated with the output: the spawned command with --handle-output-context-strategy auto splits it (JSON on stdout)', () => {
    // turbo.json builds the CLI before its tests (@inseq/cli#test depends on its own build).
    const result = spawnSync(process.execPath, [
      BIN, 'attribute-context', '--input-current-text', 'the cat sat', '--output-template', '{context} {current}', '--handle-output-context-strategy', 'auto',
      '--generation-kwargs', '{"max_new_tokens": 2}', '--contextless-output-next-tokens', ' a', '--context-sensitivity-topk', '1',
      '--context-sensitivity-std-threshold', '0', '--save-path', '-',
    ], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    expect(result.stderr).not.toMatch(/error/);
    expect(result.status).toBe(0);
    const json = JSON.parse(result.stdout);
    // The shipped demo GPT-2 continues 'the cat sat' greedily with ' is the': split on the template's ' '.
    expect(json.output_context).toBe('is');
    expect(json.output_current).toBe('the');
    expect(json.info.output_full_text).toBe('is the');
    expect(json.cci_scores[0].contrast_token).toBe('Ġa');
    expect(json.cci_scores[0].contextless_output).toBe(' a');
  });

  it('manual on a terminal: the proposed context is shown, declined, and the typed one used', async () => {
    const stdin = Object.assign(new PassThrough(), { isTTY: true });
    let stdout = '';
    let stderr = '';
    const answers = ['n', 'is'];
    const code = await runCli(
      ['attribute-context', '--input-current-text', 'the cat sat', '--output-template', '{context}\n{current}', '--generation-kwargs', '{"max_new_tokens": 2}', '--context-sensitivity-topk', '0', '--save-path', '-'],
      {
        stdout: { write: (text: string) => { stdout += text; } },
        stderr: {
          write: (text: string) => {
            stderr += text;
            if (/\[y\/n\]: $|correct context: $/.test(text)) stdin.write(`${answers.shift()}\n`);
          },
        },
        stdin,
      },
    );
    expect(stderr).toContain('The model generated the following output: "is the"');
    expect(stderr).toContain('Is "is" the correct context you want to attribute? [y/n]: ');
    expect(code).toBe(0);
    expect(answers).toEqual([]);
    const json = JSON.parse(stdout);
    expect(json.output_context).toBe('is');
    expect(json.output_current).toBe('the'); // 'is the' cut after 'is\n'
  });

  it('manual without a terminal, a count mismatch and an inapplicable Inseq flag fail clearly', async () => {
    const common = ['attribute-context', '--input-current-text', 'the cat sat', '--output-template', '{context} {current}', '--generation-kwargs', '{"max_new_tokens": 2}'];
    const manual = await runCaptured(...common);
    expect(manual.code).not.toBe(0);
    expect(manual.stderr).toMatch(/no prompt is available.*--handle-output-context-strategy auto.*--output-context-text/s);
    const mismatch = await runCaptured(...common, '--handle-output-context-strategy', 'auto', '--context-sensitivity-topk', '1', '--context-sensitivity-std-threshold', '0', '--contextless-output-next-tokens', ' a', ' b');
    expect(mismatch.code).not.toBe(0);
    expect(mismatch.stderr).toMatch(/has 2 token\(s\) but CTI selected 1/);
    const normalize = await runCaptured(...common, '--normalize-attributions');
    expect(normalize.code).not.toBe(0);
    expect(normalize.stderr).toMatch(/--normalize-attributions does not apply to attribute-context here: CCI scores are always normalised/);
    const sampling = await runCaptured(...common.slice(0, -2), '--generation-kwargs', '{"max_new_tokens": 2, "top_k": 5}');
    expect(sampling.code).toBe(1);
    expect(sampling.stderr).toMatch(/--generation-kwargs: unsupported key\(s\) top_k; supported: max_new_tokens, do_sample/);
  });
});
