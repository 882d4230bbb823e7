import { tinyGpt2OnnxFiles, tinyLlamaOnnxFiles } from '@inseq/testing';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { buildDecoderOnlyEmbedsForward } from './build-gradient-model';
import { decodeOnnxModel } from './decode-onnx-model';
import { encodeOnnxModel } from './encode-onnx-model';
import { type Dim, inferShapes } from './infer-shapes';
import { ONNX_DTYPE, type IrGraph, type IrModel } from './onnx-ir';

const int64 = (data: number[], dims: number[]) => new ort.Tensor('int64', BigInt64Array.from(data, BigInt), dims);

/** Runs `model` with the shape of each of `values` as an output and returns their run-time shapes. */
async function runtimeShapes(model: IrModel, values: readonly string[], feeds: Record<string, ort.Tensor>): Promise<Map<string, readonly number[]>> {
  const graph: IrGraph = {
    ...model.graph,
    nodes: [...model.graph.nodes, ...values.map((value) => ({ opType: 'Shape', name: `shape_of/${value}/node`, inputs: [value], outputs: [`shape_of/${value}`], attributes: {} }))],
    outputs: values.map((value) => ({ name: `shape_of/${value}`, dataType: ONNX_DTYPE.int64 })),
  };
  const session = await ort.InferenceSession.create(encodeOnnxModel({ ...model, graph }));
  const out = await session.run(feeds);
  await session.release();
  return new Map(values.map((value) => [value, Array.from(out[`shape_of/${value}`]!.data as BigInt64Array, Number)]));
}

const cases = [
  ['GPT-2', () => tinyGpt2OnnxFiles()['onnx/model.onnx']],
  ['Llama', () => tinyLlamaOnnxFiles()['onnx/model.onnx']],
  ['Llama (KV cache, fed empty)', () => tinyLlamaOnnxFiles({ withPast: true })['onnx/model.onnx']],
] as const;

describe('inferShapes', () => {
  it.each(cases)('gives every value of the %s export (embeddings cut) the shape ONNX Runtime computes, symbols standing for one value each', async (_, bytes) => {
    const built = buildDecoderOnlyEmbedsForward(decodeOnnxModel(bytes()));
    const graph = built.model.graph;
    const table = inferShapes(graph);
    const values = graph.nodes.flatMap((node) => node.outputs.filter((output) => output !== ''));
    const [batch, seq, hidden] = [2, 5, built.model.graph.inputs.find((i) => i.name === built.embedsInput)!.shape![2] as number];
    const feeds: Record<string, ort.Tensor> = {
      input_ids: int64(Array(batch * seq).fill(3), [batch, seq]),
      attention_mask: int64(Array(batch * seq).fill(1), [batch, seq]),
      [built.embedsInput]: new ort.Tensor('float32', new Float32Array(batch * seq * hidden), [batch, seq, hidden]),
    };
    for (const input of graph.inputs.filter((i) => i.name.startsWith('past_key_values'))) {
      const [, heads, , size] = input.shape as number[];
      feeds[input.name] = new ort.Tensor('float32', new Float32Array(0), [batch, heads, 0, size]);
    }
    if (graph.inputs.some((i) => i.name === 'position_ids')) feeds.position_ids = int64(Array.from({ length: batch * seq }, (_, i) => i % seq), [batch, seq]);
    const actual = await runtimeShapes(built.model, values, feeds);
    expect(actual.size).toBeGreaterThan(60);
    const symbols = new Map<string, number>();
    let checked = 0;
    for (const node of graph.nodes) {
      for (const output of node.outputs) {
        const inferred = table.shapeOf(output);
        const shape = actual.get(output);
        if (!shape) continue;
        expect(inferred, `${output} (${node.opType})`).toBeDefined();
        expect(inferred!.length, `rank of ${output}`).toBe(shape.length);
        inferred!.forEach((dim: Dim, i) => {
          if (typeof dim === 'number') expect(shape[i], `${output}[${i}]`).toBe(dim);
          else {
            if (!symbols.has(dim)) symbols.set(dim, shape[i] as number);
            expect(shape[i], `${output}[${i}] = ${dim}`).toBe(symbols.get(dim));
          }
        });
        checked++;
      }
    }
    expect(checked).toBe(values.length);
    expect(symbols.get('batch_size')).toBe(batch);
    expect(symbols.get('sequence_length')).toBe(seq);
    // Every value on the residual path is known: the gradient builder reduces nothing at run time there.
    const logits = graph.nodes.find((node) => node.outputs.includes(built.logitsOutput))!;
    expect(table.shapeOf(logits.outputs[0]!)).toEqual(['batch_size', 'sequence_length', expect.any(Number)]);
  });

  it('follows shape arithmetic: Reshape with 0 and -1, Concat of symbols, Slice by a symbol, broadcasting', () => {
    const int64Init = (name: string, values: number[]) => ({ name, tensor: { name, dataType: ONNX_DTYPE.int64, dims: [values.length], raw: new Uint8Array(BigInt64Array.from(values, BigInt).buffer) } });
    const node = (opType: string, inputs: string[], outputs: string[], attributes = {}) => ({ opType, name: outputs[0]!, inputs, outputs, attributes });
    const table = inferShapes({
      name: 'g',
      inputs: [{ name: 'x', dataType: 1, shape: ['b', 's', 12] }, { name: 'scale', dataType: 1, shape: ['b', 's', 1] }],
      outputs: [],
      valueInfo: [],
      initializers: [int64Init('split_heads', [0, 0, 3, -1]), int64Init('zero', [0]), int64Init('one', [1]), int64Init('two', [2]), { name: 'table', tensor: { name: 'table', dataType: 1, dims: [64, 12], raw: new Uint8Array(64 * 12 * 4) } }],
      nodes: [
        node('Reshape', ['x', 'split_heads'], ['heads']),
        node('Shape', ['x'], ['shape']),
        node('Slice', ['shape', 'one', 'two'], ['seq']),
        node('Slice', ['table', 'zero', 'seq'], ['rows']),
        node('Concat', ['seq', 'seq'], ['square'], { axis: { kind: 'int', value: 0 } }),
        node('Mul', ['x', 'scale'], ['scaled']),
        node('Add', ['scaled', 'rows'], ['sum']),
        node('ConstantOfShape', ['square'], ['mask']),
      ],
    });
    expect(table.shapeOf('heads')).toEqual(['b', 's', 3, 4]);
    expect(table.contentsOf('seq')).toEqual(['s']);
    expect(table.shapeOf('rows')).toEqual(['s', 12]);
    expect(table.shapeOf('scaled')).toEqual(['b', 's', 12]);
    expect(table.shapeOf('sum')).toEqual(['b', 's', 12]);
    expect(table.shapeOf('mask')).toEqual(['s', 's']);
  });
});
