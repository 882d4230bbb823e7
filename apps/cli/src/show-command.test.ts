import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { type FeatureAttributionOutput, outputFileContents } from 'inseq';
import { gradientSequence } from '@inseq/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './run-cli';

const output: FeatureAttributionOutput = {
  sequence_attributions: [gradientSequence()],
  step_attributions: null,
  info: { attribution_method: 'saliency', model_name: 'tiny-gpt2' },
};

/** Runs the CLI with an injected stdout (TTY or not, of some width) and environment. */
async function run(argv: string[], stdoutProps: { isTTY?: boolean; columns?: number } = {}, env: Record<string, string | undefined> = {}) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, {
    stdout: {
      ...stdoutProps,
      write: (text: string) => {
        stdout += text;
      },
    },
    stderr: {
      write: (text: string) => {
        stderr += text;
      },
    },
    env,
  });
  return { code, stdout, stderr };
}

let dir: string;
const file = (name: string) => join(dir, name);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'inseq-show-'));
  for (const [name, options] of [
    ['ts.json', { format: 'inseq-ts' }],
    ['py.json', { format: 'inseq' }],
    ['ts.json.gz', { format: 'inseq-ts', compress: true }],
  ] as const) {
    const [content] = await outputFileContents(output, file(name), options);
    await writeFile(file(name), content.data);
  }
});

const rowOf = (stdout: string, label: string) => stdout.split('\n').find((line) => line.split('│')[0].trim() === label)!;
const cellsOf = (line: string) => line.split('│')[1].trim().split(/ +/);

describe('inseq show', () => {
  it.each(['ts.json', 'py.json', 'ts.json.gz'])('prints the table of %s as inseq attribute does (hand-computed vnorm / column sum)', async (name) => {
    const { code, stdout, stderr } = await run(['show', file(name)]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout.split('\n')[0]).toBe(`${file(name)} · saliency · tiny-gpt2`);
    // L2 norms 5, 1, 3 over column sums 17, 11, 20.
    expect(cellsOf(rowOf(stdout, 'The'))).toEqual(['0.29', '0.09', '0.15']);
    expect(stdout).not.toContain('\x1b[');
  });

  it('applies the aggregation flags to what it shows', async () => {
    const { code, stdout } = await run(['show', file('ts.json'), '--attribution-aggregators', 'vnorm']);
    expect(code).toBe(0);
    // vnorm without normalisation: the raw norms 5, 1, 3 and 7, 2, 5.
    expect(cellsOf(rowOf(stdout, 'The'))).toEqual(['5.00', '1.00', '3.00']);
    expect(cellsOf(rowOf(stdout, 'of'))).toEqual(['7.00', '2.00', '5.00']);
    // A JSON step with the function's option: L1 norms of [1, 2, 2, 4], [1, 0, 0, 0], [2, 2, 1, 0].
    const l1 = await run(['show', file('ts.json'), '--attribution-aggregators', '[{"id": "vnorm", "options": {"vnorm_ord": 1}}]']);
    expect(cellsOf(rowOf(l1.stdout, 'The'))).toEqual(['9.00', '1.00', '5.00']);
    const bad = await run(['show', file('ts.json'), '--attribution-aggregators', 'vnrom']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/vnrom/);
  });

  it('writes SVG or HTML by --viz-path extension', async () => {
    const svg = await run(['show', file('py.json'), '--viz-path', file('out.svg'), '--hide']);
    expect(svg.code).toBe(0);
    expect(svg.stdout).toBe('');
    expect(svg.stderr).toBe(`Wrote heatmap to ${file('out.svg')}\n`);
    const { readFile } = await import('node:fs/promises');
    const text = await readFile(file('out.svg'), 'utf8');
    expect(text.startsWith('<?xml')).toBe(true);
    expect(text).toContain('<title>saliency · tiny-gpt2</title>');
    expect(text).not.toContain('<script');
    await run(['show', file('py.json'), '--viz-path', file('out.html'), '--hide']);
    expect(await readFile(file('out.html'), 'utf8')).toMatch(/^<!DOCTYPE html>/);
  });

  it('refuses a missing file, non-JSON, JSON that is no attribution, and a gzip bomb, with clear messages', async () => {
    const missing = await run(['show', file('nope.json')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^error: .*nope\.json.*no such file/i);
    await writeFile(file('text.json'), 'hello, not JSON');
    const text = await run(['show', file('text.json')]);
    expect(text.code).toBe(1);
    expect(text.stderr).toMatch(/^error: .*text\.json.*JSON/);
    await writeFile(file('other.json'), '{"name": "package", "version": "1.0.0"}');
    const other = await run(['show', file('other.json')]);
    expect(other.code).toBe(1);
    expect(other.stderr).toMatch(/^error: .*other\.json/);
    expect(other.stderr).not.toMatch(/\n\s+at /);
    // 3 MiB of zeros gzip to a few KiB; with --max-file-size 1 the inflation stops at 1 MiB.
    await writeFile(file('bomb.json.gz'), gzipSync(Buffer.alloc(3 * 1024 * 1024, 0x20)));
    const bomb = await run(['show', file('bomb.json.gz'), '--max-file-size', '1']);
    expect(bomb.code).toBe(1);
    expect(bomb.stderr).toMatch(/^error: .*bomb\.json\.gz' inflates past the limit.*--max-file-size/);
    for (const result of [missing, text, other, bomb]) expect(result.stdout).toBe('');
  });

  it('cuts the table to a terminal of 25 columns with a note, and never when stdout is not a terminal', async () => {
    const narrow = await run(['show', file('ts.json'), '--attribution-aggregators', 'vnorm'], { isTTY: true, columns: 25 }, { NO_COLOR: '1' });
    // Label column 'probability' (11 cells) + ' │' + one column of 7 + 2 = 22; a second column would make 31 > 25.
    expect(narrow.stdout.replace(/\n/g, ' ')).toContain('… 2 of 3 columns left out to fit 25 terminal columns. See them all with --viz-path');
    for (const line of narrow.stdout.split('\n').slice(1)) expect(line.length).toBeLessThanOrEqual(25);
    expect(Math.max(...narrow.stdout.split('\n').filter((line) => /[│┼]/.test(line)).map((line) => line.length))).toBe(22);
    expect(narrow.stdout).not.toContain('\x1b[');
    const pipe = await run(['show', file('ts.json')], { isTTY: false, columns: 20 });
    expect(pipe.stdout).not.toContain('left out');
    const env = await run(['show', file('ts.json')], { isTTY: false }, { COLUMNS: '20' });
    expect(env.stdout.replace(/\n/g, ' ')).toContain('left out to fit 20 terminal columns');
  });

  it('colours a terminal, and honours NO_COLOR, FORCE_COLOR and --no-color', async () => {
    expect((await run(['show', file('ts.json')], { isTTY: true, columns: 200 })).stdout).toContain('\x1b[48;2;');
    expect((await run(['show', file('ts.json')], { isTTY: true, columns: 200 }, { NO_COLOR: '1' })).stdout).not.toContain('\x1b[');
    expect((await run(['show', file('ts.json'), '--no-color'], { isTTY: true, columns: 200 })).stdout).not.toContain('\x1b[');
    expect((await run(['show', file('ts.json')], { isTTY: false }, { FORCE_COLOR: '1' })).stdout).toContain('\x1b[48;2;');
  });

  it('escapes control characters of the file name and of the saved info in its header line', async () => {
    const hostile = file('evil\x1b]0;pwned\x07.json');
    const [content] = await outputFileContents({ ...output, info: { attribution_method: 'saliency\x1b[2J', model_name: 'm' } }, hostile);
    await writeFile(hostile, content.data);
    const { code, stdout } = await run(['show', hostile]);
    expect(code).toBe(0);
    expect(stdout).not.toContain('\x1b');
    expect(stdout.split('\n')[0]).toBe(`${file('evil\\x1b]0;pwned\\x07.json')} · saliency\\x1b[2J · m`);
  });

  it('suggests the closest flag for a mistyped one', async () => {
    const { code, stderr } = await run(['show', file('ts.json'), '--viz-pth', 'x.svg']);
    expect(code).toBe(2);
    expect(stderr).toContain("(Did you mean --viz-path?)");
  });
});
