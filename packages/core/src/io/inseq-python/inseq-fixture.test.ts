import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { loadOutput } from '../save-output';

const fixture = fileURLToPath(new URL('../../../test-fixtures/inseq-python/marian-saliency-float16.json', import.meta.url));

describe('checked-in Python Inseq fixture', () => {
  it('loads to the numbers whose float16 bits it holds, plain and gzipped', async () => {
    const gzipped = join(await mkdtemp(join(tmpdir(), 'inseq-fixture-')), 'marian.json.gz');
    await writeFile(gzipped, gzipSync(await readFile(fixture)));
    for (const path of [fixture, gzipped]) {
      const output = await loadOutput(path);
      const [sequence] = output.sequence_attributions;
      expect(sequence.source.map((token) => token.token)).toEqual(['▁Hello', '▁world', '</s>']);
      expect(sequence.target).toEqual([
        { token: '<pad>', id: 58100 },
        { token: '▁Ciao', id: 5 },
        { token: '▁mondo', id: 6 },
        { token: '</s>', id: 0 },
      ]);
      // 0x3800 0x3400 0x3000 / 0x3400 0x3800 0x3400 / 0x3400 0x3400 0x3900
      expect(sequence.source_attributions).toEqual({ data: Float32Array.of(0.5, 0.25, 0.125, 0.25, 0.5, 0.25, 0.25, 0.25, 0.625), shape: [3, 3] });
      // 0x0000 0x3000 0x2c00 / 0x7e00 0x3400 0x2c00 / 0x7e00 0x7e00 0x3000 / 0x7e00 ×3
      const target = Array.from(sequence.target_attributions!.data, (value) => (Number.isNaN(value) ? null : value));
      expect(target).toEqual([0, 0.125, 0.0625, null, 0.25, 0.0625, null, null, 0.125, null, null, null]);
      expect(sequence.target_attributions!.shape).toEqual([4, 3]);
      // 0x3a00 0x3800 0x3b00
      expect(sequence.step_scores.probability).toEqual({ data: Float32Array.of(0.75, 0.5, 0.875), shape: [3] });
      expect([sequence.attr_pos_start, sequence.attr_pos_end]).toEqual([1, 4]);
      expect(output.info.model_name).toBe('Helsinki-NLP/opus-mt-en-it');
    }
  });
});
