import { type ModelBackend, intTensorFromRows, memoryModelFiles } from '@inseq/core';
import { createTinyGpt2, maxAbsDiff, referenceGpt2Forward, tinyGpt2OnnxFiles } from '@inseq/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadOrtBackend } from './load-ort-backend';
import { ortDevices, resolveOrtRuntime } from './ort-runtime';

const { weights, config } = createTinyGpt2();
const vocab = config.vocab_size as number;
const files = () => memoryModelFiles(tinyGpt2OnnxFiles(), 'tiny-gpt2-onnx');

describe('onnxruntime-web in Node', () => {
  let web: ModelBackend;
  let node: ModelBackend;
  beforeAll(async () => {
    web = await loadOrtBackend(files(), { runtime: 'web' });
    node = await loadOrtBackend(files(), { intraOpNumThreads: 1 });
  });
  afterAll(async () => {
    await web?.dispose();
    await node?.dispose();
  });

  it('runs on the web runtime and the node runtime by default', async () => {
    expect((await resolveOrtRuntime({ runtime: 'web' })).runtime.name).toBe('web');
    expect((await resolveOrtRuntime()).runtime.name).toBe('node');
    expect((await resolveOrtRuntime({ runtime: 'web' })).executionProviders).toEqual(['wasm']);
  });

  it('gives the logits of onnxruntime-node (1e-5) and of the reference forward (1e-4) at every position', async () => {
    const pad = vocab - 1;
    const ids = [
      [464, 262, 286, 318, 13, 100],
      [pad, pad, 5, 40, 41, 42],
    ];
    const mask = ids.map((row) => row.map((id, i) => (id === pad && i < 2 ? 0 : 1)));
    const input = { inputIds: intTensorFromRows(ids), attentionMask: intTensorFromRows(mask), logitsAt: 'all' as const };
    const fromWeb = await web.forward(input);
    const fromNode = await node.forward(input);
    expect(fromWeb.logits.shape).toEqual([2, 6, vocab]);
    expect(maxAbsDiff(fromWeb.logits.data, fromNode.logits.data)).toBeLessThan(1e-5);
    const reference = referenceGpt2Forward(weights, config, ids, mask).logits;
    for (let b = 0; b < 2; b++) {
      for (let s = 0; s < 6; s++) {
        if (mask[b][s] === 0) continue;
        const at = (b * 6 + s) * vocab;
        expect(maxAbsDiff(fromWeb.logits.data.subarray(at, at + vocab), reference.subarray(at, at + vocab))).toBeLessThan(1e-4);
      }
    }
  });
});

describe('ORT devices', () => {
  it('maps device names in one frozen table', () => {
    expect(Object.isFrozen(ortDevices)).toBe(true);
    expect(Object.isFrozen(ortDevices.web)).toBe(true);
    expect(ortDevices).toEqual({ node: { cpu: 'cpu' }, web: { wasm: 'wasm', webgpu: 'webgpu' } });
  });

  it('lists the valid devices for an unknown one', async () => {
    await expect(loadOrtBackend(files(), { device: 'cuda' as never })).rejects.toMatchObject({
      name: 'InvalidInputError',
      code: 'INVALID_ARGUMENT',
      message: expect.stringMatching(/Unknown device "cuda" for the node ORT runtime; valid devices: cpu \(node: cpu; web: wasm, webgpu\)/),
    });
    await expect(loadOrtBackend(files(), { runtime: 'web', device: 'cpu' as never })).rejects.toMatchObject({
      message: expect.stringContaining('valid devices: wasm, webgpu'),
    });
  });

  it("refuses 'webgpu' where navigator.gpu is absent", async () => {
    await expect(loadOrtBackend(files(), { runtime: 'web', device: 'webgpu' })).rejects.toMatchObject({
      name: 'ModelLoadError',
      message: expect.stringMatching(/navigator\.gpu is absent/),
    });
  });

  it('names the runtimes of this platform for an unknown one', async () => {
    await expect(loadOrtBackend(files(), { runtime: 'deno' as never })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: expect.stringContaining('this platform offers: node, web'),
    });
  });
});
