import { loadTfjsBackend } from '@inseq/backend-tfjs';
import {
  type AttributionMethod,
  type AttributionModel,
  type ModelBackend,
  attribute,
  createRegistry,
  intTensorFromRows,
  loadTokenizer,
  memoryModelFiles,
} from '@inseq/core';
import { registerBuiltinMethods } from '@inseq/methods';
import { createTinyGpt2, maxAbsDiff, tinyGpt2OnnxFiles } from '@inseq/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadOrtBackend } from '../load-ort-backend';

const methods = registerBuiltinMethods(createRegistry<AttributionMethod>('attribution method'));
const tiny = createTinyGpt2();

/** The ort backend on an export with (or without) what value zeroing needs. */
const loadOrt = (valueZeroing: boolean, withPast = false): Promise<ModelBackend> =>
  loadOrtBackend(memoryModelFiles(tinyGpt2OnnxFiles({ valueZeroing, withPast }), 'tiny-gpt2-onnx'), { intraOpNumThreads: 1 });

const finite = (data: Float32Array) => Array.from(data).filter(Number.isFinite);

describe('value zeroing on ort (an export with value_zeroing_mask and hidden_states.{i})', () => {
  let ort: ModelBackend;
  let plain: ModelBackend;
  let tfjs: ModelBackend;
  beforeAll(async () => {
    [ort, plain, tfjs] = await Promise.all([loadOrt(true), loadOrt(false), loadTfjsBackend(memoryModelFiles(tiny.files, 'tiny-gpt2'))]);
  });
  afterAll(async () => {
    await Promise.all([ort?.dispose(), plain?.dispose(), tfjs?.dispose()]);
  });

  it('offers hiddenStates and valueZeroing only on such an export', () => {
    expect(ort.capabilities).toMatchObject({ hiddenStates: true, valueZeroing: true, gradients: true });
    expect(plain.capabilities).toMatchObject({ hiddenStates: false });
    expect(plain.capabilities.valueZeroing).toBeFalsy();
  });

  it('hidden states with a zeroed value equal tfjs on the same weights', async () => {
    const input = {
      inputIds: intTensorFromRows([
        [1256, 40, 41, 42, 43],
        [50, 51, 52, 53, 54],
      ]),
      attentionMask: intTensorFromRows([
        [0, 1, 1, 1, 1],
        [1, 1, 1, 1, 1],
      ]),
      outputHiddenStates: true,
      zeroValues: { layer: 1, positions: Int32Array.from([2, 0]) },
    };
    const [a, b] = [await ort.forward(input), await tfjs.forward(input)];
    expect(a.hiddenStates).toHaveLength((tiny.config.n_layer as number) + 1);
    a.hiddenStates!.forEach((states, i) => {
      // Padded positions differ by design; the only one is row 0, column 0: the first `hidden` values.
      const real = (data: Float32Array) => data.subarray(tiny.config.n_embd as number);
      expect(states.shape).toEqual(b.hiddenStates![i].shape);
      expect(maxAbsDiff(real(states.data), real(b.hiddenStates![i].data))).toBeLessThan(1e-4);
    });
    expect(maxAbsDiff(a.logits.data, b.logits.data)).toBeLessThan(1e-4);
  });

  it('the value_zeroing method gives the numbers of tfjs', async () => {
    const files = memoryModelFiles(tiny.files, 'tiny-gpt2');
    const tokenizer = await loadTokenizer(files);
    const run = (backend: ModelBackend) =>
      attribute({ name: 'tiny', backend, tokenizer } as AttributionModel, ['the cat sat on', 'a dog'], {
        method: 'value_zeroing',
        methods,
        generatedTexts: ['the cat sat on the mat', 'a dog ran'],
      });
    const [a, b] = [await run(ort), await run(tfjs)];
    a.sequence_attributions.forEach((sequence, i) => {
      const other = b.sequence_attributions[i].target_attributions!;
      expect(sequence.target_attributions!.shape).toEqual(other.shape);
      expect(Array.from(sequence.target_attributions!.data, Number.isNaN)).toEqual(Array.from(other.data, Number.isNaN));
      expect(finite(sequence.target_attributions!.data).length).toBeGreaterThan(0);
      expect(maxAbsDiff(finite(sequence.target_attributions!.data), finite(other.data))).toBeLessThan(1e-4);
    });
  });

  it('a KV-cache export with value_zeroing_mask still generates (the mask is fed as ones), as the plain export', async () => {
    const cached = await loadOrt(true, true);
    try {
      const options = { maxNewTokens: 5, stopIds: [], padId: 1256 };
      const prompts = [[40, 41, 42], [50]];
      const viaCache = await cached.generate!(prompts, options);
      const reference = await loadOrt(false, true);
      expect(viaCache).toEqual(await reference.generate!(prompts, options));
      await reference.dispose();
    } finally {
      await cached.dispose();
    }
  });

  it('an export without them refuses value_zeroing, naming the export it would need', async () => {
    const files = memoryModelFiles(tiny.files, 'tiny-gpt2');
    const run = attribute({ name: 'tiny', backend: plain, tokenizer: await loadTokenizer(files) }, 'the cat', {
      method: 'value_zeroing',
      methods,
      generatedTexts: 'the cat sat',
    });
    await expect(run).rejects.toMatchObject({ name: 'MissingCapabilityError' });
    await expect(
      plain.forward({ inputIds: intTensorFromRows([[1, 2]]), attentionMask: intTensorFromRows([[1, 1]]), zeroValues: { layer: 0, positions: Int32Array.from([0]) } }),
    ).rejects.toThrow(/value_zeroing_mask input and hidden_states/);
  });
});
