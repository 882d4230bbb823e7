import { dequantizeWeights } from './dequantize-weights';
import { type Float32DataFile, Float32TensorSink } from './float32-tensor-sink';
import { BFLOAT16, type ExternalFiles, floatValues, tensorFields } from './ir-tensor-values';
import { pruneDeadNodes } from './prune-dead-nodes';
import { ONNX_DTYPE, type IrAttribute, type IrGraph, type IrInitializer, type IrModel, type IrNode, type IrValueInfo } from './onnx-ir';

/** Options of {@link upcastToFloat32}. */
export interface UpcastOptions {
  /**
   * Graph inputs fed as float16 (an fp16 export's `past_key_values.*` when the caller feeds the
   * cache in the export's own type): they keep their type and are `Cast` to float32 inside.
   * Every other float16 / bfloat16 graph input becomes float32. @defaultValue []
   */
  readonly float16Inputs?: readonly string[];
  /** The export's external data files by location, for tensors stored there. @defaultValue none */
  readonly externalData?: ExternalFiles;
  /**
   * Compute the new initializers' values. `false` builds the graph and types only (new tensors
   * hold zeros or point to data files that are not made): enough to check that a gradient graph
   * can be built, never to run. @defaultValue true
   */
  readonly values?: boolean;
  /** Name prefix of the in-memory data files (distinct per model when several upcasts feed one session). @defaultValue 'inseq-float32' */
  readonly dataPrefix?: string;
}

/** The model {@link upcastToFloat32} returns, the data files its new initializers live in, and what it changed. */
export interface Float32Upcast {
  readonly model: IrModel;
  /** In-memory data files of the new float32 initializers, for the sessions' `externalData` (`[]` without values). */
  readonly externalData: Float32DataFile[];
  /** Float16 / bfloat16 tensors (initializers and constants) widened to float32. */
  readonly widened: number;
  /** Quantized matmuls and `DequantizeLinear`s replaced by float ops on dequantized weights. */
  readonly dequantized: number;
}

const halfTypes = new Set<number>([ONNX_DTYPE.float16, BFLOAT16]);
/** Ops whose `dtype` attribute names their output's element type. */
const dtypeOps = new Set(['EyeLike', 'RandomNormal', 'RandomUniform', 'RandomNormalLike', 'RandomUniformLike', 'Bernoulli']);

/** Whether two lists differ in some item (by identity). */
function differs<T>(a: readonly T[], b: readonly T[]): boolean {
  return a.length !== b.length || a.some((item, i) => item !== b[i]);
}

function widenInfo(info: IrValueInfo): IrValueInfo {
  return halfTypes.has(info.dataType) ? { ...info, dataType: ONNX_DTYPE.float } : info;
}

/** Every value a graph's nodes read, its subgraphs' (which may read outer values) included. */
function readValues(graph: IrGraph, into = new Set<string>()): Set<string> {
  for (const node of graph.nodes) {
    for (const input of node.inputs) into.add(input);
    for (const attribute of Object.values(node.attributes)) if (attribute.kind === 'graph') readValues(attribute.value, into);
  }
  for (const output of graph.outputs) into.add(output.name);
  return into;
}

/** Float16 / bfloat16 initializers, constants, casts and types of one graph (and its subgraphs) made float32. */
function widenGraph(graph: IrGraph, sink: Float32TensorSink, external: ExternalFiles | undefined, counter: { widened: number }): IrGraph {
  const initializers: IrInitializer[] = graph.initializers.map((init) => {
    const fields = tensorFields(init);
    if (!halfTypes.has(fields.dataType)) return init;
    counter.widened++;
    return sink.add(init.name, fields.dims, (out) => out.set(floatValues(fields, external)));
  });
  const nodes = graph.nodes.map((node): IrNode => {
    let attributes: Record<string, IrAttribute> | undefined;
    for (const [name, attribute] of Object.entries(node.attributes)) {
      let widened: IrAttribute | undefined;
      if (attribute.kind === 'graph') {
        const branch = widenGraph(attribute.value, sink, external, counter);
        if (branch !== attribute.value) widened = { kind: 'graph', value: branch };
      } else if (attribute.kind === 'tensor') {
        const fields = tensorFields(attribute.value);
        if (halfTypes.has(fields.dataType)) {
          counter.widened++;
          const values = floatValues(fields, external);
          widened = { kind: 'tensor', value: { name: fields.name, dataType: ONNX_DTYPE.float, dims: fields.dims, raw: new Uint8Array(values.buffer) } };
        }
      } else if (attribute.kind === 'int' && halfTypes.has(attribute.value) && ((node.opType === 'Cast' && name === 'to') || (dtypeOps.has(node.opType) && name === 'dtype'))) {
        widened = { kind: 'int', value: ONNX_DTYPE.float };
      }
      if (widened) attributes = { ...(attributes ?? node.attributes), [name]: widened };
    }
    return attributes ? { ...node, attributes } : node;
  });
  const widened = {
    ...graph,
    nodes,
    initializers,
    inputs: graph.inputs.map(widenInfo),
    outputs: graph.outputs.map(widenInfo),
    valueInfo: graph.valueInfo.map(widenInfo),
  };
  const same = (['nodes', 'initializers', 'inputs', 'outputs', 'valueInfo'] as const).every((key) => !differs<unknown>(widened[key], graph[key]));
  return same ? graph : widened;
}

/** Renames every read of `from` to `to` in the nodes of `graph` and its subgraphs. */
function renameReads(graph: IrGraph, from: ReadonlyMap<string, string>): IrGraph {
  const nodes = graph.nodes.map((node) => {
    let attributes = node.attributes;
    for (const [name, attribute] of Object.entries(node.attributes)) {
      if (attribute.kind === 'graph') attributes = { ...attributes, [name]: { kind: 'graph', value: renameReads(attribute.value, from) } };
    }
    return { ...node, inputs: node.inputs.map((input) => from.get(input) ?? input), attributes };
  });
  return { ...graph, nodes };
}

/**
 * The model as a float32 model, for gradient graphs (whose rules and seeds are float32) of fp16,
 * bf16 and quantized exports:
 *
 * - float16 / bfloat16 initializers, `Constant` (and other tensor attribute) values, `Cast`s to
 *   them, and graph input, output and value-info types become float32, values converted exactly,
 *   so the graph computes in float32 with the stored half-precision weights (the gradient of the
 *   fp16 weights evaluated in float32, not float16 arithmetic);
 * - quantized matmuls (`MatMulInteger` after `DynamicQuantizeLinear`, `DynamicQuantizeMatMul`,
 *   `MatMulIntegerToFloat`, `MatMulNBits`) become float `MatMul`s of their weights dequantized
 *   once into float32 initializers, `DequantizeLinear` of constants is folded, and fake
 *   quantization of activations is dropped (see `dequantizeWeights`), so the result is the float
 *   model of the dequantized weights;
 * - nodes and initializers no longer read are removed.
 *
 * Graph inputs listed in `float16Inputs` keep their type (a `Cast` follows them), so the feeds of
 * the export still apply. Large new initializers live in the returned in-memory data files.
 * A model with nothing to change is returned as it is.
 *
 * @throws MissingCapabilityError when a quantized op cannot be rewritten (naming the node), or a
 *   tensor's external data is missing.
 */
export function upcastToFloat32(model: IrModel, options: UpcastOptions = {}): Float32Upcast {
  const sink = new Float32TensorSink({ values: options.values ?? true, ...(options.dataPrefix !== undefined && { prefix: options.dataPrefix }) });
  const external = options.externalData;
  const { graph: dequantizedGraph, rewritten } = dequantizeWeights(model.graph, sink, external);
  const counter = { widened: 0 };
  let graph = widenGraph(rewritten > 0 ? pruneDeadNodes(dequantizedGraph) : dequantizedGraph, sink, external, counter);
  const kept = new Set(options.float16Inputs ?? []);
  const halfInputs = model.graph.inputs.filter((input) => kept.has(input.name) && halfTypes.has(input.dataType));
  if (halfInputs.length > 0) {
    const taken = readValues(graph);
    for (const node of graph.nodes) for (const output of node.outputs) taken.add(output);
    const fresh = (name: string): string => {
      let candidate = `${name}/upcast`;
      for (let i = 1; taken.has(candidate); i++) candidate = `${name}/upcast_${i}`;
      taken.add(candidate);
      return candidate;
    };
    const renamed = new Map(halfInputs.map((input) => [input.name, fresh(input.name)]));
    graph = renameReads(graph, renamed);
    const casts: IrNode[] = halfInputs.map((input) => ({
      opType: 'Cast',
      name: `${input.name}/to_float32`,
      inputs: [input.name],
      outputs: [renamed.get(input.name)!],
      attributes: { to: { kind: 'int', value: ONNX_DTYPE.float } },
    }));
    graph = {
      ...graph,
      nodes: [...casts, ...graph.nodes],
      inputs: graph.inputs.map((input) => halfInputs.find((half) => half.name === input.name) ?? input),
    };
  }
  const changed = graph !== model.graph;
  if (!changed) return { model, externalData: [], widened: 0, dequantized: 0 };
  return { model: { ...model, graph }, externalData: sink.files(), widened: counter.widened, dequantized: rewritten };
}
