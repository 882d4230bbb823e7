import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCaptured as run } from './run-captured.test-support';

describe('inseq attribute --viz-path x.svg, then inseq show', () => {
  it('writes the SVG heatmap, and show gives the same SVG and table from the saved file', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'inseq-cli-svg-'));
    const [json, svg, shown] = ['out.json', 'out.svg', 'shown.svg'].map((name) => join(directory, name));
    const attributed = await run('attribute', '-i', 'The capital of France is', '-g', 'The capital of France is Paris', '-a', 'saliency', '-o', json, '--viz-path', svg, '--no-color');
    expect(attributed.stderr).not.toContain('error');
    expect(attributed.code).toBe(0);
    const drawn = await readFile(svg, 'utf8');
    expect(drawn).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\n<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(drawn).toContain('> France</text>');
    expect(drawn).not.toContain('<script');
    const show = await run('show', json, '--viz-path', shown, '--no-color');
    expect(show.code).toBe(0);
    // The saved file holds the output as attributed (no aggregation asked): the same heatmap, the same table.
    const table = (stdout: string) => stdout.slice(stdout.indexOf('Sequence 1 of 1'));
    expect(table(show.stdout)).toBe(table(attributed.stdout));
    const body = (text: string) => text.slice(text.indexOf('<g transform="translate(16 16)"'));
    expect(body(await readFile(shown, 'utf8')).replace(/<text[^>]*font-size="16"[^>]*>[^<]*<\/text>/, '')).toBe(
      body(drawn).replace(/<text[^>]*font-size="16"[^>]*>[^<]*<\/text>/, ''),
    );
  });
});
