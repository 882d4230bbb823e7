import { spawn } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { outputFromJson } from 'inseq';
import { describe, expect, it } from 'vitest';
import { runCaptured as run } from './run-captured.test-support';

const BIN = fileURLToPath(new URL('../dist/bin.js', import.meta.url));
const tinyModel = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'models', 'tiny-gpt2');
const stable = (text: string) => text.replace(/"exec_time":[0-9.e+-]+/g, '"exec_time":0');

async function dataset(rows: number): Promise<{ folder: string; data: string }> {
  const folder = await mkdtemp(join(tmpdir(), 'inseq-cli-ds-'));
  const data = join(folder, 'data.csv');
  const lines = Array.from({ length: rows }, (_, i) => `"the cat, ${i}","the cat, ${i} sat"`);
  writeFileSync(data, `sentence,continuation\n${lines.join('\n')}\n`);
  return { folder, data };
}

const args = (data: string, out: string, ...more: string[]) => [
  'attribute-dataset', '-m', tinyModel, '-d', data, '--input-text-field', 'sentence', '--generated-text-field', 'continuation', '--batch-size', '2', '-o', out, ...more,
];

describe('inseq attribute-dataset', () => {
  it('--eos (Inseq alias of --include-eos-baseline) reaches attribute', async () => {
    const { folder, data } = await dataset(1);
    const out = join(folder, 'eos.jsonl');
    const result = await run(...args(data, out, '--eos'));
    expect(result.code).toBe(0);
    const line = JSON.parse(readFileSync(out, 'utf8').trimEnd());
    expect(outputFromJson(line.output).info.include_eos_baseline).toBe(true);
  });

  it('writes one line per example, refuses to overwrite, resumes a cut file to the same lines', async () => {
    const { folder, data } = await dataset(5);
    const out = join(folder, 'out.jsonl');
    const first = await run(...args(data, out));
    expect(first.stderr).toContain(`Wrote 5 example(s) to ${out}.`);
    expect(first.code).toBe(0);
    const full = readFileSync(out, 'utf8');
    const lines = full.trimEnd().split('\n').map((line) => JSON.parse(line));
    expect(lines.map((line) => [line.index, line.input_text, line.generated_text])).toEqual(
      Array.from({ length: 5 }, (_, i) => [i, `the cat, ${i}`, `the cat, ${i} sat`]),
    );
    const saved = outputFromJson(lines[3].output);
    expect(saved.info.attribution_method).toBe('saliency');
    expect(saved.sequence_attributions[0]?.target.map((t) => t.token).join('')).toContain('sat');

    const again = await run(...args(data, out));
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already holds attributions: pass --resume/);
    expect(readFileSync(out, 'utf8')).toBe(full);

    // A run killed after two lines and in the middle of the third.
    const cut = full.split('\n').slice(0, 2).join('\n') + '\n' + full.split('\n')[2]?.slice(0, 40);
    writeFileSync(out, cut);
    const resumed = await run(...args(data, out, '--resume'));
    expect(resumed.code).toBe(0);
    expect(resumed.stderr).toContain('Wrote 3 example(s)');
    expect(resumed.stderr).toContain('(2 already there)');
    expect(stable(readFileSync(out, 'utf8'))).toBe(stable(full));

    const otherMethod = await run(...args(data, out, '--resume', '-a', 'input_x_gradient'));
    expect(otherMethod.code).toBe(1);
    expect(otherMethod.stderr).toMatch(/different method \("saliency", now "input_x_gradient"\)/);
  }, 60_000);

  it('names a missing text field before creating the output; -o is required', async () => {
    const { folder, data } = await dataset(2);
    const out = join(folder, 'out.jsonl');
    const missing = await run('attribute-dataset', '-m', tinyModel, '-d', data, '--input-text-field', 'text', '-o', out);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/row 0 has no field 'text'; its fields are 'sentence', 'continuation'/);
    expect(existsSync(out)).toBe(false);
    const noOut = await run('attribute-dataset', '-d', data, '--input-text-field', 'sentence');
    expect(noOut.code).toBe(2);
    expect(noOut.stderr).toMatch(/--save-path/);
  });

  it.runIf(existsSync(BIN))('Ctrl-C (SIGINT to the spawned bin) stops after the batch: exit 0, whole lines only; --resume completes it as one run would', async () => {
    // 50 examples of 10–30 ms each: the signal, sent when the first batch is on disk, lands
    // long before the last one.
    const { folder, data } = await dataset(50);
    const out = join(folder, 'out.jsonl');
    const child = spawn(process.execPath, [BIN, ...args(data, out)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    let signalled = false;
    const poll = setInterval(() => {
      if (!signalled && existsSync(out) && statSync(out).size > 0) {
        signalled = true;
        child.kill('SIGINT');
      }
    }, 5);
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    const code = await exited;
    clearInterval(poll);
    clearTimeout(timer);
    expect(signalled).toBe(true);
    expect(code).toBe(0);
    expect(stderr).toMatch(/Stopped after \d+ example\(s\) to .*; rerun with --resume to continue\./);
    const partial = readFileSync(out, 'utf8');
    const written = partial.trimEnd().split('\n');
    expect(partial.endsWith('\n')).toBe(true);
    expect(written.length).toBeLessThan(50);
    expect(written.map((line) => JSON.parse(line).index)).toEqual([...Array(written.length).keys()]);

    expect((await run(...args(data, out, '--resume'))).code).toBe(0);
    const whole = join(folder, 'whole.jsonl');
    expect((await run(...args(data, whole))).code).toBe(0);
    expect(stable(readFileSync(out, 'utf8'))).toBe(stable(readFileSync(whole, 'utf8')));
  }, 90_000);
});
