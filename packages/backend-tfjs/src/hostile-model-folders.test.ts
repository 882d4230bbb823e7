import { InseqError, decodeSafetensors, memoryModelFiles } from '@inseq/core';
import { type SafetensorsTensorInput, createTinyGpt2, createTinyLlama, encodeSafetensors } from '@inseq/testing';
import { describe, expect, it } from 'vitest';
import { loadTfjsBackend } from './load-tfjs-backend';
import { createTfjsBackendLoader } from './tfjs-backend-loader';

const json = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

async function loadError(files: Record<string, Uint8Array>): Promise<InseqError> {
  const error = await loadTfjsBackend(memoryModelFiles(files, 'models/hostile')).then(
    async (backend) => {
      await backend.dispose();
      return undefined;
    },
    (caught: unknown) => caught,
  );
  if (!InseqError.isInstance(error)) throw new Error(`expected an InseqError, got ${String(error)}`);
  return error;
}

/** The folder's model.safetensors with `edit` applied to its decoded float32 tensors. */
function editWeights(files: Record<string, Uint8Array>, edit: (tensors: Map<string, { shape: number[]; data: Float32Array }>) => void): Uint8Array {
  const decoded = decodeSafetensors(files['model.safetensors']);
  const tensors = new Map([...decoded.tensors].map(([name, tensor]) => [name, { shape: tensor.shape, data: tensor.data.slice() }]));
  edit(tensors);
  const inputs: Record<string, SafetensorsTensorInput> = {};
  for (const [name, tensor] of tensors) inputs[name] = { dtype: 'F32', shape: tensor.shape, data: tensor.data };
  return encodeSafetensors(inputs);
}

describe('tfjs: hostile model folders', () => {
  it('n_layer 1 against 2-layer weights: the extra layer is an error naming its tensors, not silently ignored', async () => {
    const tiny = createTinyGpt2({ nLayer: 2 });
    const error = await loadError({ ...tiny.files, 'config.json': json({ ...tiny.config, n_layer: 1 }) });
    expect(error.code).toBe('INVALID_FILE');
    expect(error.message).toMatch(/^models\/hostile\/model.safetensors holds weights of layers that config.json does not have: '(transformer\.)?h\.1\./);
    expect(error.message).toContain('(12 in all)');
    // Llama's naming too (model.layers.N).
    const llama = createTinyLlama();
    const layers = llama.config.num_hidden_layers as number;
    const llamaError = await loadError({ ...llama.files, 'config.json': json({ ...llama.config, num_hidden_layers: layers - 1 }) });
    expect(llamaError.message).toMatch(new RegExp(`does not have: 'model\\.layers\\.${layers - 1}\\.`));
    // The GPT-2 attention buffers some checkpoints keep (h.N.attn.bias / masked_bias) are not layers the loader uses: still fine.
    const withBuffers = editWeights(tiny.files, (tensors) => {
      tensors.set('h.0.attn.bias', { shape: [1, 1, 2, 2], data: Float32Array.from([1, 0, 1, 1]) });
      tensors.set('h.0.attn.masked_bias', { shape: [], data: Float32Array.from([-1e4]) });
    });
    const backend = await loadTfjsBackend(memoryModelFiles({ ...tiny.files, 'model.safetensors': withBuffers }));
    await backend.dispose();
  });

  it('NaN / Infinity weights are refused at load naming the tensor; allowNonFiniteWeights loads with a warning', async () => {
    const tiny = createTinyGpt2();
    const poisoned = editWeights(tiny.files, (tensors) => {
      const [name, tensor] = [...tensors].find(([key]) => key.endsWith('h.1.mlp.c_fc.weight'))!;
      tensor.data[7] = Number.NaN;
      tensor.data[9] = Number.POSITIVE_INFINITY;
      expect(name).toBeDefined();
    });
    const files = { ...tiny.files, 'model.safetensors': poisoned };
    const error = await loadError(files);
    expect(error.name).toBe('ModelLoadError');
    expect(error.code).toBe('INVALID_FILE');
    expect(error.message).toMatch(/^models\/hostile\/model.safetensors has weights with non-finite values: '(transformer\.)?h\.1\.mlp\.c_fc\.weight' \(1 NaN, 1 \+Infinity of \d+ values, first at index 7\)/);
    const warnings: string[] = [];
    const loader = createTfjsBackendLoader();
    const backend = await loader.load(memoryModelFiles(files, 'models/hostile'), { allowNonFiniteWeights: true, onWarning: (message) => warnings.push(message) });
    try {
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain('Loaded anyway (allowNonFiniteWeights)');
    } finally {
      await backend.dispose();
    }
  });
});
