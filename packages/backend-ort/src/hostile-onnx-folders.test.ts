import { InseqError, localModelFiles, memoryModelFiles } from '@inseq/core';
import { tinyGpt2OnnxFiles } from '@inseq/testing';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadOrtBackend } from './load-ort-backend';
import { createOrtBackendLoader } from './ort-backend-loader';
import { readOnnxGraph } from './onnx/read-onnx-graph';
import { onnxTensorFields } from './onnx/read-onnx-initializer';


async function loadError(run: Promise<{ dispose(): Promise<void> }>): Promise<InseqError> {
  const error = await run.then(
    async (backend) => {
      await backend.dispose();
      return undefined;
    },
    (caught: unknown) => caught,
  );
  if (!InseqError.isInstance(error)) throw new Error(`expected an InseqError, got ${String(error)}`);
  return error;
}

/** The largest float32 initializer of `model` (a weight matrix): its name, and where its values are (inline bytes or external offset). */
function largestFloatInitializer(model: Uint8Array): { name: string; inlineAt?: number; external?: { offset: number } } {
  let best: { name: string; size: number; inlineAt?: number; external?: { offset: number } } | undefined;
  for (const [name, bytes] of readOnnxGraph(model).initializers) {
    const tensor = onnxTensorFields(bytes);
    const size = tensor.dims.reduce((a, b) => a * b, 1);
    if (tensor.dataType !== 1 || (best && best.size >= size)) continue;
    best = { name, size, ...(tensor.raw && { inlineAt: tensor.raw.byteOffset - model.byteOffset }), ...(tensor.external && { external: { offset: Number(tensor.external.offset ?? 0) } }) };
  }
  if (!best) throw new Error('no float initializer');
  return best;
}

describe('ort: hostile model folders', () => {
  it('a NaN weight stored inline is refused before the session, naming the initializer; allowed with a warning on request', async () => {
    const files = tinyGpt2OnnxFiles({ nLayer: 1 });
    const model = files['onnx/model.onnx'].slice();
    const target = largestFloatInitializer(model);
    new DataView(model.buffer).setFloat32(target.inlineAt! + 4 * 5, Number.NaN, true);
    const poisoned = memoryModelFiles({ ...files, 'onnx/model.onnx': model }, 'models/nan');
    const error = await loadError(loadOrtBackend(poisoned, { runtime: 'node', intraOpNumThreads: 1 }));
    expect(error.code).toBe('INVALID_FILE');
    expect(error.message).toContain(`models/nan/onnx/model.onnx has weights with non-finite values: '${target.name}' (1 NaN of`);
    expect(error.message).toContain('first at index 5');
    const warnings: string[] = [];
    const backend = await createOrtBackendLoader().load(poisoned, { allowNonFiniteWeights: true, onWarning: (message) => warnings.push(message) });
    await backend.dispose();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(`'${target.name}'`);
  });

  it('an Infinity weight in external data is found too, read from disk in Node', async () => {
    const files = tinyGpt2OnnxFiles({ nLayer: 1, externalData: true });
    const target = largestFloatInitializer(files['onnx/model.onnx']);
    const data = files['onnx/model.onnx_data'].slice();
    new DataView(data.buffer).setFloat32(target.external!.offset + 4 * 3, Number.POSITIVE_INFINITY, true);
    const folder = await mkdtemp(join(tmpdir(), 'inseq-ort-hostile-'));
    try {
      for (const [name, bytes] of Object.entries({ ...files, 'onnx/model.onnx_data': data })) {
        await mkdir(dirname(join(folder, name)), { recursive: true });
        await writeFile(join(folder, name), bytes);
      }
      const error = await loadError(loadOrtBackend(await localModelFiles(folder), { runtime: 'node', intraOpNumThreads: 1 }));
      expect(error.message).toContain(`has weights with non-finite values: '${target.name}' (1 +Infinity of`);
      // In memory (the browser's path) as well.
      const memoryError = await loadError(loadOrtBackend(memoryModelFiles({ ...files, 'onnx/model.onnx_data': data }), { runtime: 'node', intraOpNumThreads: 1 }));
      expect(memoryError.message).toContain(`'${target.name}' (1 +Infinity of`);
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });

  it('config.json null or a list: the loader says "not a JSON object" (canLoad and load)', async () => {
    const files = tinyGpt2OnnxFiles({ nLayer: 1 });
    for (const config of ['null', '[1,2]']) {
      const folder = memoryModelFiles({ ...files, 'config.json': config }, 'models/config');
      expect(await createOrtBackendLoader().canLoad(folder)).toMatch(/^models\/config\/config.json is not a JSON object/);
      const error = await loadError(loadOrtBackend(folder, { runtime: 'node' }));
      expect(error.message).toMatch(/^models\/config\/config.json is not a JSON object/);
    }
  });

  it('an external data location with terminal escapes is quoted escaped', async () => {
    const files = tinyGpt2OnnxFiles({ nLayer: 1, externalData: true });
    const model = files['onnx/model.onnx'];
    // Same length, so the protobuf stays well-formed: 'model.onnx_data' → ESC '[2Jxonnx_data' (15 bytes).
    const from = new TextEncoder().encode('model.onnx_data');
    const to = new TextEncoder().encode('\x1b[2Jl.onnx_data');
    const edited = model.slice();
    for (let i = 0; i + from.length <= edited.length; i++) {
      if (from.every((byte, j) => edited[i + j] === byte)) edited.set(to, i);
    }
    const error = await loadError(loadOrtBackend(memoryModelFiles({ ...files, 'onnx/model.onnx': edited }), { runtime: 'node' }));
    expect(error.message).toContain("'\\x1b[2Jl.onnx_data'");
    // biome-ignore lint/suspicious/noControlCharactersInRegex: asserting their absence.
    expect(error.message).not.toMatch(/[\u0000-\u001f]/);
  });
});
