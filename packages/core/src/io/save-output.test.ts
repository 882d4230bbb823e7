import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { FeatureAttributionOutput } from '../data/feature-attribution-output';
import { outputFromInseqJson } from './inseq-python/output-from-inseq-json';
import { outputFromBytes } from './output-from-bytes';
import { outputToBytes } from './output-to-bytes';
import { loadOutput, saveOutput, splitSequencePath } from './save-output';

const sequence = (offset: number) => ({
  source: [{ token: 'Ġa', id: 1 }],
  target: [
    { token: 'Ġa', id: 1 },
    { token: 'Ġb', id: 2 + offset },
  ],
  source_attributions: null,
  target_attributions: { data: Float32Array.of(0.1 + offset, Number.NaN, -2.5e-3, 1 / 3), shape: [2, 1, 2] },
  step_scores: { probability: { data: Float32Array.of(0.7), shape: [1] } },
  sequence_scores: {},
  attr_pos_start: 1,
  attr_pos_end: 2,
});
const output: FeatureAttributionOutput = {
  sequence_attributions: [sequence(0), sequence(1)],
  step_attributions: null,
  info: { attribution_method: 'saliency', input_texts: ['a', 'a'], generated_texts: ['a b', 'a c'], exec_time: 0.5 },
};

const directory = () => mkdtemp(join(tmpdir(), 'inseq-save-'));

function expectClose(loaded: FeatureAttributionOutput, tolerance: number, original = output) {
  loaded.sequence_attributions.forEach((sequence, s) => {
    const before = original.sequence_attributions[s].target_attributions!.data;
    const after = sequence.target_attributions!.data;
    for (let i = 0; i < before.length; i++) {
      if (Number.isNaN(before[i])) expect(after[i]).toBeNaN();
      else expect(Math.abs(after[i] - before[i])).toBeLessThanOrEqual(tolerance);
    }
    expect(sequence.step_scores.probability.data[0]).toBeCloseTo(0.7, 2);
    expect(sequence.target).toEqual(original.sequence_attributions[s].target);
  });
}

describe('saveOutput / loadOutput', () => {
  it('round-trips inseq-ts JSON plain and gzipped (by option or by .gz), detecting gzip by magic bytes', async () => {
    const folder = await directory();
    for (const [name, options] of [
      ['plain.json', {}],
      ['by-extension.json.gz', {}],
      ['by-option.json', { compress: true }],
    ] as const) {
      const [written] = await saveOutput(output, join(folder, name), options);
      const bytes = await readFile(written);
      expect(bytes[0] === 0x1f && bytes[1] === 0x8b).toBe(name !== 'plain.json');
      expect(await loadOutput(written)).toEqual(output);
    }
    expect((await readdir(folder)).sort()).toEqual(['by-extension.json.gz', 'by-option.json', 'plain.json']);
  });

  it('stores inseq-ts float16 within 1e-3 and float8 within its precision, at a fraction of the size', async () => {
    const folder = await directory();
    const [full] = await saveOutput(output, join(folder, 'full.json'));
    const [half] = await saveOutput(output, join(folder, 'half.json'), { scoresPrecision: 'float16' });
    const [quarter] = await saveOutput(output, join(folder, 'quarter.json'), { scoresPrecision: 'float8' });
    expect(JSON.parse(await readFile(half, 'utf8')).format_version).toBe(2);
    expectClose(await loadOutput(half), 1e-3);
    expectClose(await loadOutput(quarter), 1.1 * 2 ** -4);
    const big: FeatureAttributionOutput = {
      ...output,
      sequence_attributions: [{ ...sequence(0), target_attributions: { data: Float32Array.from({ length: 2000 }, (_, i) => Math.sin(i) / 3), shape: [2, 1000, 1] } }],
    };
    const sizes = await Promise.all(
      (['float32', 'float16', 'float8'] as const).map(async (precision) => {
        const [path] = await saveOutput(big, join(folder, `big-${precision}.json`), { scoresPrecision: precision });
        return (await readFile(path)).length;
      }),
    );
    expect(sizes[1]).toBeLessThan(sizes[0] / 3);
    expect(sizes[2]).toBeLessThan(sizes[1] * 0.6);
    expect((await readFile(full)).length).toBeGreaterThan(0);
  });

  it('writes one file per sequence as Inseq names them, with that sequence and its texts only', async () => {
    const folder = await directory();
    const written = await saveOutput(output, join(folder, 'out.json'), { splitSequences: true });
    expect(written).toEqual([join(folder, 'out_0.json'), join(folder, 'out_1.json')]);
    for (const [index, path] of written.entries()) {
      const loaded = await loadOutput(path);
      expect(loaded.sequence_attributions).toEqual([output.sequence_attributions[index]]);
      expect(loaded.info.input_texts).toEqual(['a']);
      expect(loaded.info.generated_texts).toEqual([index === 0 ? 'a b' : 'a c']);
    }
    expect(splitSequencePath('dir.v2/out.json.gz', 3)).toBe('dir.v2/out_3.json.gz');
    expect(splitSequencePath('dir.v2/out', 0)).toBe('dir.v2/out_0');
    expect(splitSequencePath('.hidden', 1)).toBe('.hidden_1');
  });

  it("writes Python Inseq's format (gzipped, split, float16) and reads it back", async () => {
    const folder = await directory();
    const [plain] = await saveOutput(output, join(folder, 'inseq.json'), { format: 'inseq' });
    expect(JSON.parse(await readFile(plain, 'utf8')).__instance_type__).toEqual(['inseq.data.attribution', 'FeatureAttributionOutput']);
    expectClose(await loadOutput(plain), 0);
    expect((await loadOutput(plain)).sequence_attributions).toEqual(output.sequence_attributions);

    const written = await saveOutput(output, join(folder, 'inseq.json.gz'), { format: 'inseq', splitSequences: true, scoresPrecision: 'float16' });
    expect(written).toEqual([join(folder, 'inseq_0.json.gz'), join(folder, 'inseq_1.json.gz')]);
    // What Python's FeatureAttributionOutput.load(path, decompress=True) reads: gzip of the JSON.
    const text = gunzipSync(await readFile(written[1])).toString('utf8');
    const loaded = await outputFromInseqJson(text);
    expectClose(loaded, 1e-3, { ...output, sequence_attributions: [output.sequence_attributions[1]] });
    expect(await loadOutput(written[1])).toEqual(loaded);
  });

  it('serialises to bytes without the file system (outputToBytes / outputFromBytes, gzip via CompressionStream)', async () => {
    for (const format of ['inseq-ts', 'inseq'] as const) {
      const bytes = await outputToBytes(output, { format, compress: true });
      expect([bytes[0], bytes[1]]).toEqual([0x1f, 0x8b]);
      expect((await outputFromBytes(bytes)).sequence_attributions).toEqual(output.sequence_attributions);
    }
    await expect(outputToBytes(output, { format: 'numpy' as 'inseq' })).rejects.toThrow(/"numpy" is unknown; use one of: inseq-ts, inseq/);
  });

  it('reports unreadable, non-attribution and corrupt gzip files as INVALID_FILE, and leaves no partial file', async () => {
    const folder = await directory();
    await expect(loadOutput(join(folder, 'missing.json'))).rejects.toThrow(/Cannot read attribution file/);
    await writeFile(join(folder, 'other.json'), '{"weights": [1, 2]}');
    await expect(loadOutput(join(folder, 'other.json'))).rejects.toThrow(/is neither an inseq-ts attribution file/);
    const [gz] = await saveOutput(output, join(folder, 'cut.json.gz'));
    await writeFile(gz, (await readFile(gz)).subarray(0, 20));
    await expect(loadOutput(gz)).rejects.toThrow(/is gzip but cannot be inflated/);
    await expect(saveOutput(output, join(folder, 'missing', 'out.json'), { splitSequences: true })).rejects.toThrow(/Cannot write/);
    expect((await readdir(folder)).sort()).toEqual(['cut.json.gz', 'other.json']);
  });
});
