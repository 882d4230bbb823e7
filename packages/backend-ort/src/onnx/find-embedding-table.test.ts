import { attribute, createRegistry, InseqError, intTensorFromRows, loadTokenizer, memoryModelFiles } from '@inseq/core';
import { registerBuiltinMethods } from '@inseq/methods';
import { createTinyGpt2, encodeOnnxModel, gpt2OnnxModelSpec, maxAbsDiff, type OnnxModelSpec, quantizeDynamicOnnxModel, tinyGpt2OnnxFiles } from '@inseq/testing';
import { describe, expect, it } from 'vitest';
import { findEmbeddingTable } from './find-embedding-table';
import { loadOrtBackend } from '../load-ort-backend';
import { readOnnxGraph } from './read-onnx-graph';

const tiny = createTinyGpt2();
const hidden = tiny.config.n_embd as number;
const vocab = tiny.config.vocab_size as number;
const wte = tiny.weights['transformer.wte.weight'].data;
const spec = gpt2OnnxModelSpec(tiny.weights, tiny.config, { withPast: true });

/** The tiny GPT-2 folder with `onnx/model.onnx` replaced by `model`. */
const folderWith = (model: OnnxModelSpec) => ({ ...tinyGpt2OnnxFiles(), 'onnx/model.onnx': encodeOnnxModel(model) });

/** `spec` with the token embedding Gather replaced by `replace(table, ids, output)`. */
function withEmbedding(replace: (table: string, ids: string, output: string) => OnnxModelSpec['nodes']): OnnxModelSpec {
  const nodes = spec.nodes.flatMap((node) =>
    node.opType === 'Gather' && node.inputs[1] === 'input_ids' ? replace(node.inputs[0], node.inputs[1], node.outputs[0]) : [node],
  );
  return { ...spec, nodes };
}

describe('findEmbeddingTable', () => {
  it.each(['after', 'before'] as const)('reads an 8-bit table dequantized %s the Gather, within half a quantization step of the float table', async (gather) => {
    const quantized = quantizeDynamicOnnxModel(spec, { gather });
    const location = findEmbeddingTable(readOnnxGraph(encodeOnnxModel(quantized)), hidden, 'q.onnx');
    expect(location).toMatchObject({ found: true, initializer: 'transformer.wte.weight_quantized' });
    const table = await (location as Extract<typeof location, { found: true }>).read();
    const scale = Number(quantized.initializers.find((t) => t.name === 'transformer.wte.weight_scale')!.data[0]);
    const error = maxAbsDiff(table.data, Float64Array.from(wte));
    expect(error).toBeGreaterThan(0);
    expect(error).toBeLessThanOrEqual(scale / 2 + 1e-6);
    // Through the backend: the loaded export runs and embeds the same rows ORT would gather.
    const backend = await loadOrtBackend(memoryModelFiles(folderWith(quantized), 'q8'), { intraOpNumThreads: 1 });
    try {
      const out = await backend.embed(intTensorFromRows([[5, 1000]]));
      expect(Array.from(out.data)).toEqual([...table.data.subarray(5 * hidden, 6 * hidden), ...table.data.subarray(1000 * hidden, 1001 * hidden)]);
    } finally {
      await backend.dispose();
    }
  });

  it('says why when the table is computed rather than stored, and ids-only methods still run', async () => {
    const computed = withEmbedding((table, ids, output) => [
      { opType: 'Mul', inputs: [table, 'const_one'], outputs: ['scaled_table'], name: '/scale_table' },
      { opType: 'Gather', inputs: ['scaled_table', ids], outputs: [output], name: '/embed' },
    ]);
    const files = folderWith(computed);
    const backend = await loadOrtBackend(memoryModelFiles(files, 'computed'), { intraOpNumThreads: 1 });
    try {
      const error = await backend.embed(intTensorFromRows([[5]])).catch((e: unknown) => e);
      expect(InseqError.isInstance(error) && error.code).toBe('MISSING_CAPABILITY');
      expect((error as Error).message).toMatch(/computed\/onnx\/model\.onnx: the Gather of input_ids reads 'scaled_table', which is computed by Mul rather than stored/);
      const methods = registerBuiltinMethods(createRegistry('attribution method'));
      const model = { name: 'computed', backend, tokenizer: await loadTokenizer(memoryModelFiles(files)) };
      for (const method of ['dummy', 'occlusion']) {
        const out = await attribute(model, 'the cat', { method, methods, maxNewTokens: 3, stepScores: ['probability'] });
        expect(out.sequence_attributions[0].step_scores.probability.data.every((p) => p > 0 && p <= 1)).toBe(true);
      }
    } finally {
      await backend.dispose();
    }
  });

  it("names the file when there is no Gather of input_ids at all (one-hot embedding), and forward still matches", async () => {
    const oneHot = withEmbedding((table, ids, output) => [
      { opType: 'OneHot', inputs: [ids, 'onehot_depth', 'onehot_values'], outputs: ['one_hot'], name: '/one_hot', attributes: { axis: { kind: 'int', value: -1 } } },
      { opType: 'MatMul', inputs: ['one_hot', table], outputs: [output], name: '/embed' },
    ]);
    oneHot.initializers = [
      ...oneHot.initializers,
      { name: 'onehot_depth', dataType: 'int64', dims: [], data: [vocab] },
      { name: 'onehot_values', dataType: 'float', dims: [2], data: [0, 1] },
    ];
    const backend = await loadOrtBackend(memoryModelFiles(folderWith(oneHot), 'one-hot'), { intraOpNumThreads: 1 });
    const plain = await loadOrtBackend(memoryModelFiles(tinyGpt2OnnxFiles({ withPast: true }), 'plain'), { intraOpNumThreads: 1 });
    try {
      await expect(backend.embed(intTensorFromRows([[5]]))).rejects.toThrow(/no Gather of input_ids on an initializer in one-hot\/onnx\/model\.onnx/);
      const input = { inputIds: intTensorFromRows([[464, 262, 286]]), attentionMask: intTensorFromRows([[1, 1, 1]]) };
      expect(maxAbsDiff((await backend.forward(input)).logits.data, Float64Array.from((await plain.forward(input)).logits.data))).toBeLessThan(1e-5);
    } finally {
      await backend.dispose();
      await plain.dispose();
    }
  });
});
