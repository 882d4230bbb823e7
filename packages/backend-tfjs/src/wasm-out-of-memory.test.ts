import { InseqError, memoryModelFiles } from '@inseq/core';
import { createTinyGpt2 } from '@inseq/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { loadTfjsBackend } from './load-tfjs-backend';
import { createGpt2Model } from './models/decoder-only/gpt2/create-gpt2-model';
import { parseGpt2Config } from './models/decoder-only/gpt2/parse-gpt2-config';
import { tfjsArchitectures } from './models/tfjs-architectures';
import { forgetWasmAbortForTests, wasmOutOfMemoryError } from './wasm-memory-budget';

// The abort is faked (the wasm runtime is intact), so this file runs among the others and forgets
// the recorded abort when it ends; a real one would leave every later wasm call in the process refused.
const tiny = createTinyGpt2();
const row = { inputIds: { data: Int32Array.of(5, 6, 7), shape: [1, 3] }, attentionMask: { data: Int32Array.of(1, 1, 1), shape: [1, 3] } };

async function caught(promise: Promise<unknown>): Promise<InseqError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(InseqError.isInstance(error)).toBe(true);
  return error as InseqError;
}

describe('wasm out-of-memory aborts', () => {
  afterAll(() => forgetWasmAbortForTests());
  it('turns an abort that slips past the estimates into BATCH_TOO_LARGE, then refuses every later call the same way', async () => {
    let fail: Error | undefined;
    const architectures = tfjsArchitectures();
    architectures.register(
      {
        name: 'gpt2',
        kind: 'decoder-only',
        parseConfig: parseGpt2Config,
        create: (config, file, name) => {
          const model = createGpt2Model(config, file, name);
          const run = model.run.bind(model);
          return Object.assign(model, {
            run: (pass: Parameters<typeof run>[0]) => {
              if (fail) throw fail;
              return run(pass);
            },
          });
        },
      },
      { override: true },
    );
    const backend = await loadTfjsBackend(memoryModelFiles(tiny.files, 'tiny'), { device: 'wasm', architectures });
    expect((await backend.forward(row)).logits.shape[0]).toBe(1);
    // Any other failure stays a BACKEND_FAILURE.
    fail = new Error('unexpected kernel failure');
    expect((await caught(backend.forward(row))).code).toBe('BACKEND_FAILURE');
    // What tfjs-wasm throws when malloc cannot grow the heap (built without assertions).
    fail = new Error('Aborted(). Build with -sASSERTIONS for more info.');
    const error = await caught(backend.forward(row));
    expect({ name: error.name, code: error.code }).toEqual({ name: 'InvalidInputError', code: 'BATCH_TOO_LARGE' });
    expect(error.message).toContain('while trying to run the forward pass');
    expect(error.message).toContain('cannot run again in this process: restart it');
    // The aborted instance would now fail with "memory access out of bounds"; the backend says why instead.
    fail = undefined;
    const later = await caught(backend.embed(row.inputIds));
    expect(later.code).toBe('BATCH_TOO_LARGE');
    expect(later.message).toMatch(/^Cannot embed tokens: tfjs-wasm ran out of memory earlier/);
    // The abort was faked: once forgotten, the same backend runs again (the files after this one need it).
    forgetWasmAbortForTests();
    expect((await backend.forward(row)).logits.shape[0]).toBe(1);
    await backend.dispose();
  });
  it('rethrows an abort while loading as MODEL_TOO_LARGE and leaves other errors alone', async () => {
    expect(wasmOutOfMemoryError(new Error('tensor shape mismatch'), 'load x', 'load')).toBeUndefined();
    const error = wasmOutOfMemoryError(new RangeError('WebAssembly.Memory.grow(): Maximum memory size exceeded'), 'load the weights of x', 'load');
    expect({ name: error?.name, code: error?.code }).toEqual({ name: 'ModelLoadError', code: 'MODEL_TOO_LARGE' });
    expect(error?.message).toContain("tfjs-wasm ran out of WebAssembly's 4.00 GiB memory while trying to load the weights of x");
    expect(error?.message).toContain('--backend ort');
  });

});
