import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadOutput } from 'inseq';
import { describe, expect, it } from 'vitest';
import { runCli } from './run-cli';

// `pnpm run demo`, as the root package.json spells it: the first thing a new user sees.
const rootPackage = fileURLToPath(new URL('../../../package.json', import.meta.url));

/** The arguments after `bin.js` in the demo script, split as a POSIX shell would (double quotes only). */
async function demoArguments(): Promise<string[]> {
  const script: string = JSON.parse(await readFile(rootPackage, 'utf8')).scripts.demo;
  const command = script.slice(script.indexOf('apps/cli/dist/bin.js') + 'apps/cli/dist/bin.js'.length);
  return [...command.matchAll(/"([^"]*)"|(\S+)/g)].map((match) => match[1] ?? match[2]);
}

describe('pnpm run demo', () => {
  it('attributes "The capital of France is" → " Paris" on the demo model with integrated gradients, France on top, and prints what the snapshot holds', async () => {
    const argv = await demoArguments();
    expect(argv.slice(0, 3)).toEqual(['attribute', '-i', 'The capital of France is']);
    const directory = await mkdtemp(join(tmpdir(), 'inseq-demo-'));
    const html = join(directory, 'demo.html');
    const json = join(directory, 'demo.json');
    // Same run, the HTML redirected, the output also saved to read the numbers.
    const vizAt = argv.indexOf('--viz-path');
    argv.splice(vizAt, 2, '--viz-path', html, '-o', json);
    let stdout = '';
    let stderr = '';
    const write = (sink: 'out' | 'err') => (text: string) => {
      if (sink === 'out') stdout += text;
      else stderr += text;
    };
    // A terminal, as a new user's: the table is coloured (the environment's NO_COLOR/FORCE_COLOR left out).
    const code = await runCli(argv, { stdout: { write: write('out'), isTTY: true }, stderr: { write: write('err') }, env: {} });
    // Messages about the files go to stderr (the first only because the test added -o).
    expect(stderr).toBe(`Saved attributions to ${json}\nWrote heatmap to ${html}\n`);
    expect(code).toBe(0);
    await expect(stdout).toMatchFileSnapshot('./__snapshots__/demo-command.txt');

    const [sequence] = (await loadOutput(json)).sequence_attributions;
    const tokens = sequence.target.map((t) => t.token);
    const promptLength = 5;
    expect(tokens.slice(0, promptLength + 1)).toEqual(['The', 'Ġcapital', 'Ġof', 'ĠFrance', 'Ġis', 'ĠParis']);
    // The "Paris" step: the prompt token with the largest attribution (L2 norm over the hidden size) is "France".
    const scores = sequence.target_attributions;
    expect(scores).not.toBeNull();
    const [rows, steps, hidden] = scores!.shape;
    expect(rows).toBe(tokens.length);
    const norms = Array.from({ length: promptLength }, (_, row) => {
      let total = 0;
      for (let h = 0; h < hidden; h++) total += scores!.data[(row * steps + 0) * hidden + h] ** 2;
      return Math.sqrt(total);
    });
    expect(norms.indexOf(Math.max(...norms))).toBe(tokens.indexOf('ĠFrance'));
    expect(stdout.split('\n')[0]).toBe('integrated_gradients · models/inseq-demo-gpt2 (gpt2, 4 layers, tfjs)');
    expect(await readFile(html, 'utf8')).toMatch(/^<!DOCTYPE html>/i);
  });
});
