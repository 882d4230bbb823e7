import { ModelLoadError, escapeUntrusted, quoteUntrusted } from '@inseq/core';
import { allOnnxNodes, type OnnxGraph, type OnnxNode } from './read-onnx-graph';
import { type ExternalDataReader, isReadableOnnxType, type OnnxInitializer, type OnnxTensorFields, onnxTensorFields, readOnnxTensor } from './read-onnx-initializer';

/**
 * Where a graph keeps its token embedding table: found (with how to read it as float32 rows), or
 * the reason it could not be found, for the error of methods that need embeddings.
 */
export type EmbeddingTableLocation =
  | {
      readonly found: true;
      /** The initializer holding the table (the quantized one for a `DequantizeLinear` table). */
      readonly initializer: string;
      /** The lookup `Gather`'s output: the token rows, before anything the graph does to them. */
      readonly lookup: string;
      /** Reads the table, `[vocab, hidden]` float32 (dequantized / widened as the graph does). */
      read(readExternal?: ExternalDataReader): Promise<OnnxInitializer>;
    }
  | { readonly found: false; readonly reason: string };

// Ops that carry token ids unchanged (type or shape only) between `input_ids` and the Gather.
export const indexOps: ReadonlySet<string> = new Set(['Cast', 'Reshape', 'Unsqueeze', 'Squeeze', 'Identity', 'Flatten']);
// Ops that carry the table's values unchanged (fp16 tables are Cast to float32 before the Gather).
const valueOps = new Set(['Cast', 'Identity']);

/** A constant of the graph by value name: an initializer of any scope or a `Constant` node's `value`. */
export function graphConstants(graph: OnnxGraph): Map<string, Uint8Array> {
  const found = new Map<string, Uint8Array>();
  const visit = (g: OnnxGraph) => {
    for (const [name, bytes] of g.initializers) if (!found.has(name)) found.set(name, bytes);
    for (const node of g.nodes) {
      const value = node.attributes.get('value')?.tensor;
      if (node.opType === 'Constant' && value && node.outputs[0]) found.set(node.outputs[0], value);
      for (const attribute of node.attributes.values()) for (const sub of attribute.graphs ?? []) visit(sub);
    }
  };
  visit(graph);
  return found;
}

/** The fields of a tensor with its inline bytes copied, so the location does not keep the whole model's bytes alive. */
function detached(bytes: Uint8Array): OnnxTensorFields {
  const tensor = onnxTensorFields(bytes);
  return tensor.raw ? { ...tensor, raw: tensor.raw.slice() } : tensor;
}

/** `i` of an int attribute as a signed number (the walk reads negative int64s as 2^64 − |v|). */
function signedInt(node: OnnxNode, name: string, fallback: number): number {
  const value = node.attributes.get(name)?.int;
  if (value === undefined) return fallback;
  return value >= 2 ** 63 ? value - 2 ** 64 : value;
}

/**
 * Finds the token embedding table of an ONNX graph by its structure, never by initializer name:
 * the `Gather` (axis 0) whose indices come from `idsInput` (through `Cast` / `Reshape` /
 * `Unsqueeze`-like ops), its data input followed back through `Cast` (float16 tables),
 * `Identity` and `DequantizeLinear` (8-bit tables: scale, zero point, per-tensor or per-row; or
 * the `DequantizeLinear` of the gathered rows) to an initializer or `Constant`, in the main graph or an `If` branch (Optimum's merged decoders). The
 * table must be 2-D with `hidden` columns.
 *
 * @param fileName - named in the reason when nothing is found.
 */
export function findEmbeddingTable(graph: OnnxGraph, hidden: number, fileName: string, idsInput = 'input_ids'): EmbeddingTableLocation {
  const nodes = [...allOnnxNodes(graph)].map(({ node }) => node);
  const producer = new Map<string, OnnxNode>();
  for (const node of nodes) for (const output of node.outputs) producer.set(output, node);
  const values = graphConstants(graph);
  // Names holding the ids, following index ops from idsInput.
  // (A worklist over the index ops' first inputs: linear in the graph, whatever order a hostile file lists nodes in.)
  const readers = new Map<string, OnnxNode[]>();
  for (const node of nodes) {
    if (!indexOps.has(node.opType) || node.inputs[0] === undefined) continue;
    const list = readers.get(node.inputs[0]);
    if (list) list.push(node);
    else readers.set(node.inputs[0], [node]);
  }
  const ids = new Set([idsInput]);
  for (const pending = [idsInput]; pending.length > 0; ) {
    for (const node of readers.get(pending.pop() as string) ?? []) {
      const output = node.outputs[0];
      if (output && !ids.has(output)) {
        ids.add(output);
        pending.push(output);
      }
    }
  }
  const gathers = nodes.filter((node) => node.opType === 'Gather' && ids.has(node.inputs[1]) && signedInt(node, 'axis', 0) === 0);
  const problems: string[] = [];
  for (const gather of gathers) {
    let name = gather.inputs[0];
    let dequantize: OnnxNode | undefined;
    for (let node = producer.get(name); node && (valueOps.has(node.opType) || (node.opType === 'DequantizeLinear' && !dequantize)); node = producer.get(name)) {
      if (node.opType === 'DequantizeLinear') dequantize = node;
      name = node.inputs[0];
    }
    const bytes = values.get(name);
    if (!bytes) {
      problems.push(`the Gather of ${idsInput} reads ${quoteUntrusted(gather.inputs[0], 120)}, which is computed by ${producer.get(name) ? escapeUntrusted(producer.get(name)!.opType, 60) : 'nothing'} rather than stored`);
      continue;
    }
    const tensor = detached(bytes);
    if (!isReadableOnnxType(tensor.dataType) || tensor.dims.length !== 2 || tensor.dims[1] !== hidden) {
      problems.push(`${quoteUntrusted(name, 120)} is not a [vocab, ${hidden}] float, float16, int8 or uint8 table (type ${tensor.dataType}, dims [${tensor.dims.join(', ')}])`);
      continue;
    }
    // Quantizers that gather 8-bit rows dequantize the Gather's output instead (per-tensor scale).
    if (!dequantize && tensor.dataType !== 1 && tensor.dataType !== 10) {
      dequantize = nodes.find((node) => node.opType === 'DequantizeLinear' && node.inputs[0] === gather.outputs[0]);
      if (!dequantize) {
        problems.push(`${quoteUntrusted(name, 120)} is an 8-bit table whose rows are not dequantized by a DequantizeLinear`);
        continue;
      }
    }
    if (!dequantize) {
      return {
        found: true,
        initializer: name,
        lookup: gather.outputs[0] as string,
        async read(readExternal) {
          const table = await readOnnxTensor(tensor, readExternal);
          if (!table) throw new ModelLoadError(`the embedding table ${quoteUntrusted(name, 120)} of ${fileName} could not be read (its external data is missing or short, or its size does not match its dims)`, { code: 'INVALID_FILE' });
          return table;
        },
      };
    }
    const scaleBytes = values.get(dequantize.inputs[1]);
    const zeroBytes = dequantize.inputs[2] ? values.get(dequantize.inputs[2]) : undefined;
    const scale = scaleBytes && detached(scaleBytes);
    const zeroPoint = zeroBytes && detached(zeroBytes);
    const axis = signedInt(dequantize, 'axis', 1);
    if (!scale || (dequantize.inputs[2] && !zeroPoint) || dequantize.attributes.has('block_size')) {
      problems.push(`the DequantizeLinear before the Gather of ${idsInput} has a computed scale or zero point, or is block-quantized`);
      continue;
    }
    return {
      found: true,
      initializer: name,
      lookup: gather.outputs[0] as string,
      async read(readExternal) {
        const [quantized, scales, zeros] = await Promise.all([
          readOnnxTensor(tensor, readExternal),
          readOnnxTensor(scale, readExternal),
          zeroPoint ? readOnnxTensor(zeroPoint, readExternal) : undefined,
        ]);
        if (!quantized || !scales || (zeroPoint && !zeros)) throw new ModelLoadError(`the quantized embedding table ${quoteUntrusted(name, 120)} of ${fileName} could not be read`, { code: 'INVALID_FILE' });
        const [rows, columns] = quantized.dims;
        // Per-tensor: one scale (and zero point); per-axis: one per row (axis 0) or column (axis 1).
        const perAxis = scales.data.length > 1;
        const along = axis < 0 ? axis + 2 : axis;
        if (perAxis && scales.data.length !== quantized.dims[along]) {
          throw new ModelLoadError(`the quantized embedding table ${quoteUntrusted(name, 120)} of ${fileName} has ${scales.data.length} scales for axis ${axis} of [${rows}, ${columns}]`, { code: 'INVALID_FILE' });
        }
        const data = new Float32Array(rows * columns);
        for (let r = 0; r < rows; r++) {
          for (let c = 0; c < columns; c++) {
            const k = perAxis ? (along === 0 ? r : c) : 0;
            data[r * columns + c] = (quantized.data[r * columns + c] - (zeros?.data[k] ?? 0)) * scales.data[k];
          }
        }
        return { data, dims: [rows, columns] };
      },
    };
  }
  const why = gathers.length === 0 ? `no Gather of ${idsInput} on an initializer in ${fileName}` : `${fileName}: ${problems.join('; ')}`;
  return { found: false, reason: why };
}
