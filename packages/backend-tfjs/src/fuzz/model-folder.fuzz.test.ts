import { loadTokenizer, memoryModelFiles, readGenerationConfig } from '@inseq/core';
import { createTinyGpt2, createTinyLlama } from '@inseq/testing';
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { loadTfjsBackend } from '../load-tfjs-backend';
import { applyByteEdits, applyJsonEdits, byteEdits, endsInResultOrInseqError, fuzzParameters, jsonEdits } from '@inseq/testing/fuzz';

// Property-based fuzzing of whole model folders from @inseq/testing's tiny-model writers, one file mutated per run
// (config.json, generation_config.json, tokenizer.json, tokenizer_config.json, model.safetensors), through what
// loadModel runs on them: the tokenizer, the generation config and the tfjs backend's load (config, weights,
// shapes, non-finite values). Each run ends in a result or an InseqError with an escaped message.

const folders = [createTinyGpt2({ nLayer: 1, merges: 50 }).files, createTinyLlama().files];
const decoder = new TextDecoder();
const encoder = new TextEncoder();

/** One file of one folder, mutated: JSON files by structure or by bytes, the weights by bytes or header edits. */
const mutatedFolder = fc
  .record({
    folder: fc.constantFrom(0, 1),
    file: fc.constantFrom('config.json', 'generation_config.json', 'tokenizer.json', 'tokenizer_config.json', 'model.safetensors'),
    json: jsonEdits,
    bytes: byteEdits,
    byStructure: fc.boolean(),
  })
  .map(({ folder, file, json, bytes, byStructure }) => {
    const files = { ...folders[folder] };
    const original = files[file];
    if (original === undefined) return files;
    if (byStructure && file.endsWith('.json')) files[file] = encoder.encode(JSON.stringify(applyJsonEdits(JSON.parse(decoder.decode(original)), json)) ?? '');
    else if (byStructure) {
      // The safetensors header, edited as JSON (shapes, dtypes, offsets), the data kept.
      const length = Number(new DataView(original.buffer, original.byteOffset).getBigUint64(0, true));
      const header = encoder.encode(JSON.stringify(applyJsonEdits(JSON.parse(decoder.decode(original.subarray(8, 8 + length))), json)));
      const out = new Uint8Array(8 + header.length + original.length - 8 - length);
      new DataView(out.buffer).setBigUint64(0, BigInt(header.length), true);
      out.set(header, 8);
      out.set(original.subarray(8 + length), 8 + header.length);
      files[file] = out;
    } else files[file] = applyByteEdits(original, bytes);
    return files;
  });

describe('fuzz: tiny model folders through the tokenizer, the generation config and the tfjs load', () => {
  it('one mutated file per folder ends in a model or an InseqError', async () => {
    await fc.assert(
      fc.asyncProperty(mutatedFolder, async (entries) => {
        const files = memoryModelFiles(entries, 'fuzz');
        await endsInResultOrInseqError(async () => (await loadTokenizer(files)).encode('The cat sat'));
        await endsInResultOrInseqError(() => readGenerationConfig(files));
        await endsInResultOrInseqError(async () => {
          const backend = await loadTfjsBackend(files);
          await backend.dispose();
        });
      }),
      { ...fuzzParameters, numRuns: Math.max(10, Math.ceil(fuzzParameters.numRuns / 5)) },
    );
  });
});
