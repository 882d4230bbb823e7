import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { FeatureAttributionOutput } from '../data/feature-attribution-output';
import { loadOutput, saveOutput } from './save-output';
import { outputFromJson, outputToJson } from './serialize-output';

const output: FeatureAttributionOutput = {
  sequence_attributions: [
    {
      source: [{ token: 'Ġa', id: 1 }],
      target: [
        { token: 'Ġa', id: 1 },
        { token: 'Ġ<b>&', id: 2 },
      ],
      source_attributions: null,
      target_attributions: { data: Float32Array.of(0.1, Number.NaN, -2.5e-8, 1 / 3), shape: [2, 1, 2] },
      step_scores: { probability: { data: Float32Array.of(0.7), shape: [1] } },
      sequence_scores: {},
      attr_pos_start: 1,
      attr_pos_end: 2,
    },
  ],
  step_attributions: null,
  info: { attribution_method: 'saliency', exec_time: 0.5 },
};

describe('save / load', () => {
  it('writes Inseq field names, nested arrays and NaN as null', () => {
    const parsed = JSON.parse(outputToJson(output));
    expect(parsed.format_version).toBe(1); // float32 files stay readable by version-1 readers
    const sequence = parsed.sequence_attributions[0];
    expect(Object.keys(sequence)).toEqual([
      'source',
      'target',
      'source_attributions',
      'target_attributions',
      'step_scores',
      'sequence_scores',
      'attr_pos_start',
      'attr_pos_end',
    ]);
    expect(sequence.target_attributions[0][0][1]).toBeNull();
    expect(sequence.target_attributions).toHaveLength(2);
  });
  it('round-trips exactly (load(save(x)) equals x)', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'inseq-'));
    const file = join(directory, 'out.json');
    await saveOutput(output, file);
    const loaded = await loadOutput(file);
    expect(loaded).toEqual(output);
    expect(await readdir(directory)).toEqual(['out.json']);
    expect(outputFromJson(await readFile(file, 'utf8'))).toEqual(output);
  });
  it('leaves no file behind when the write fails', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'inseq-'));
    await expect(saveOutput(output, join(directory, 'missing', 'out.json'))).rejects.toThrow(/Cannot write/);
    expect(await readdir(directory)).toEqual([]);
  });
  it('packs float16 tensors as base64 bits (format version 2) and names a corrupt one', () => {
    const text = outputToJson(output, { scoresPrecision: 'float16' });
    const parsed = JSON.parse(text);
    expect(parsed.format_version).toBe(2);
    expect(parsed.sequence_attributions[0].target_attributions).toEqual({ dtype: 'float16', shape: [2, 1, 2], base64: expect.any(String) });
    const back = outputFromJson(text).sequence_attributions[0].target_attributions!;
    expect(back.data[1]).toBeNaN();
    expect(Math.abs(back.data[3] - 1 / 3)).toBeLessThan(1e-3);
    parsed.sequence_attributions[0].target_attributions.base64 = 'AAAA';
    expect(() => outputFromJson(parsed)).toThrow(/Field 'sequence_attributions\[0\].target_attributions' holds 3 bytes but float16 \[2, 1, 2\] needs 8/);
    parsed.sequence_attributions[0].target_attributions.dtype = 'bfloat16';
    expect(() => outputFromJson(parsed)).toThrow(/dtype "bfloat16"; expected 'float16' or 'float8_e4m3fn'/);
  });

  it('rejects files of another format or a newer version', () => {
    expect(() => outputFromJson('{"format":"x"}')).toThrow(/expected 'inseq-ts.feature_attribution_output'/);
    expect(() => outputFromJson(outputToJson(output).replace('"format_version":1', '"format_version":99'))).toThrow(/newer/);
    expect(() => outputFromJson('{nope')).toThrow(/bad JSON/);
  });
});
