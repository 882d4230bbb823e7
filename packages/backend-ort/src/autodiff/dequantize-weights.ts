import { MissingCapabilityError } from '@inseq/core';
import type { OnnxTensorFields } from '../onnx/read-onnx-initializer';
import type { Float32TensorSink } from './float32-tensor-sink';
import { BFLOAT16, type ExternalFiles, floatValues, rawBytes, sizeOf, tensorFields } from './ir-tensor-values';
import { ONNX_DTYPE, type IrGraph, type IrInitializer, type IrNode } from './onnx-ir';

const readableTypes = new Set<number>([ONNX_DTYPE.float, ONNX_DTYPE.uint8, ONNX_DTYPE.int8, ONNX_DTYPE.int32, ONNX_DTYPE.float16, BFLOAT16]);

function unsupported(node: IrNode, why: string): MissingCapabilityError {
  return new MissingCapabilityError(
    `Gradients of quantized exports run on the float model of their dequantized weights, but ${node.domain ? `${node.domain}:` : ''}${node.opType} node ` +
      `'${node.name}' cannot be turned into one: ${why}.`,
  );
}

function key(node: IrNode): string {
  return node.domain && node.domain !== 'ai.onnx' ? `${node.domain}:${node.opType}` : node.opType;
}

function intAttribute(node: IrNode, name: string, fallback: number): number {
  const attribute = node.attributes[name];
  return attribute?.kind === 'int' ? attribute.value : fallback;
}

/**
 * `(q - zeroPoint) * scale` over a tensor of `dims`, as `DequantizeLinear` defines it: one scale
 * (per tensor), one per index of `axis` (per axis), or one per `blockSize` indices of `axis`
 * (blocked, `scaleDims` = `dims` with that axis shortened). Products are rounded to float32 as
 * ONNX Runtime's kernels round them.
 */
function dequantizeInto(
  out: Float32Array,
  q: Float32Array,
  dims: readonly number[],
  scale: Float32Array,
  zeroPoint: Float32Array | undefined,
  axis: number,
  blockSize: number,
): void {
  const along = axis < 0 ? axis + dims.length : axis;
  const inner = sizeOf(dims.slice(along + 1));
  const length = dims[along] ?? 1;
  const blocks = blockSize > 0 ? Math.ceil(length / blockSize) : length;
  for (let i = 0; i < q.length; i++) {
    let k = 0;
    if (scale.length > 1) {
      const c = Math.floor(i / inner) % length;
      k = blockSize > 0 ? (Math.floor(i / (inner * length)) * blocks + Math.floor(c / blockSize)) * inner + (i % inner) : c;
    }
    out[i] = Math.fround((q[i] - (zeroPoint?.[k] ?? 0)) * scale[k]);
  }
}

/**
 * Rewrites the integer and quantized matmuls of a graph into float `MatMul`s of dequantized
 * weights (float32 initializers made by `sink`), and folds `DequantizeLinear` of constants:
 *
 * - `DynamicQuantizeLinear(A)` → `MatMulInteger(A_q, W_q, A_zp, W_zp)` → `Cast` → `Mul` by
 *   `A_scale * W_scale` (onnxruntime's `quantize_dynamic`) → `MatMul(A, W)`;
 * - `com.microsoft` `DynamicQuantizeMatMul`, `MatMulIntegerToFloat` (the same after ORT's
 *   fusions) → `MatMul(A, W)` (+ `Add` of the bias);
 * - `com.microsoft` `MatMulNBits` (2 to 8-bit block-quantized weights, q4 / q4f16 exports) →
 *   `MatMul(A, W)` (+ bias);
 * - `DequantizeLinear` of a constant (per tensor, per axis or blocked) → a float32 initializer;
 *   `Gather` of 8-bit rows → `DequantizeLinear` → `Gather` of the dequantized table;
 *   `QuantizeLinear` → `DequantizeLinear` of an activation → its input.
 *
 * The activations' quantization is dropped, so the result is the float model of the dequantized
 * weights, whose values the quantized export approximates. Nodes left without consumers are not
 * removed here.
 *
 * @throws MissingCapabilityError for a `MatMulInteger` outside onnxruntime's dynamic pattern, a
 *   computed weight, or a quantized format this pass does not know (naming the node).
 */
export function dequantizeWeights(graph: IrGraph, sink: Float32TensorSink, external?: ExternalFiles): { graph: IrGraph; rewritten: number } {
  const constants = new Map<string, OnnxTensorFields>();
  for (const init of graph.initializers) constants.set(init.name, tensorFields(init));
  const producer = new Map<string, IrNode>();
  const consumers = new Map<string, IrNode[]>();
  for (const node of graph.nodes) {
    for (const output of node.outputs) producer.set(output, node);
    for (const input of node.inputs) consumers.set(input, [...(consumers.get(input) ?? []), node]);
    const value = node.attributes.value;
    if (node.opType === 'Constant' && value?.kind === 'tensor') constants.set(node.outputs[0], tensorFields(value.value));
  }
  const replaced = new Map<IrNode, IrNode[]>();
  const initializers: IrInitializer[] = [];
  const made = new Map<string, string>();
  let rewritten = 0;

  const constant = (node: IrNode, name: string | undefined, what: string, optional = false): OnnxTensorFields | undefined => {
    if (name === undefined || name === '') {
      if (optional) return undefined;
      throw unsupported(node, `its ${what} is missing`);
    }
    const found = constants.get(name);
    if (!found) throw unsupported(node, `its ${what} '${name}' is computed, not stored`);
    if (!readableTypes.has(found.dataType)) throw unsupported(node, `its ${what} '${name}' has ONNX data type ${found.dataType}`);
    return found;
  };
  /** A float32 initializer holding `[K, N]` weights `(W_q - zp) * scale`, zero point and scale per tensor or per column. */
  const columnWeights = (node: IrNode, q: OnnxTensorFields, scale: OnnxTensorFields, zeroPoint: OnnxTensorFields | undefined): string => {
    const cached = made.get(q.name);
    if (cached) return cached;
    if (q.dims.length !== 2) throw unsupported(node, `its weight '${q.name}' is not 2-D (dims [${q.dims.join(', ')}])`);
    const columns = q.dims[1];
    for (const [tensor, what] of [[scale, 'scale'], [zeroPoint, 'zero point']] as const) {
      if (tensor && sizeOf(tensor.dims) !== 1 && sizeOf(tensor.dims) !== columns) throw unsupported(node, `its ${what} has ${sizeOf(tensor.dims)} values for ${columns} columns`);
    }
    const name = `${q.name}/dequantized`;
    initializers.push(
      sink.add(name, q.dims, (out) => dequantizeInto(out, floatValues(q, external), q.dims, floatValues(scale, external), zeroPoint && floatValues(zeroPoint, external), 1, 0)),
    );
    made.set(q.name, name);
    return name;
  };
  /** `MatMul(a, weights)` into `output`, plus the bias when there is one. */
  const matmul = (node: IrNode, a: string, weights: string, output: string, bias?: string): IrNode[] => {
    if (!bias) return [{ opType: 'MatMul', name: `${node.name}/float`, inputs: [a, weights], outputs: [output], attributes: {} }];
    const product = `${output}/without_bias`;
    return [
      { opType: 'MatMul', name: `${node.name}/float`, inputs: [a, weights], outputs: [product], attributes: {} },
      { opType: 'Add', name: `${node.name}/bias`, inputs: [product, bias], outputs: [output], attributes: {} },
    ];
  };
  /** The float input of the `DynamicQuantizeLinear` whose first output is `quantized`, or an error. */
  const dynamicSource = (node: IrNode, quantized: string): IrNode => {
    const quantizer = producer.get(quantized);
    if (quantizer?.opType !== 'DynamicQuantizeLinear' || quantizer.outputs[0] !== quantized) {
      throw unsupported(node, `its activation '${quantized}' does not come from a DynamicQuantizeLinear (static activation quantization is not rewritten)`);
    }
    return quantizer;
  };

  for (const node of graph.nodes) {
    switch (key(node)) {
      case 'MatMulInteger': {
        const quantizer = dynamicSource(node, node.inputs[0]);
        const q = constant(node, node.inputs[1], 'weight')!;
        const zeroPoint = constant(node, node.inputs[3], 'weight zero point', true);
        // quantize_dynamic's tail: Cast(int32 → float) then Mul by A_scale * W_scale.
        const [cast] = consumers.get(node.outputs[0]) ?? [];
        const [scaled] = cast ? (consumers.get(cast.outputs[0]) ?? []) : [];
        const scales = scaled && producer.get(scaled.inputs[scaled.inputs[0] === cast?.outputs[0] ? 1 : 0]);
        const weightScale = scales?.opType === 'Mul' && scales.inputs.includes(quantizer.outputs[1]) ? scales.inputs.find((input) => input !== quantizer.outputs[1]) : undefined;
        if (
          consumers.get(node.outputs[0])?.length !== 1 || cast?.opType !== 'Cast' || consumers.get(cast.outputs[0])?.length !== 1 ||
          scaled?.opType !== 'Mul' || weightScale === undefined
        ) {
          throw unsupported(node, 'it is not followed by Cast and Mul by the activation and weight scales, as onnxruntime quantize_dynamic writes it');
        }
        const weights = columnWeights(node, q, constant(node, weightScale, 'weight scale')!, zeroPoint);
        replaced.set(node, matmul(node, quantizer.inputs[0], weights, scaled.outputs[0]));
        replaced.set(cast, []);
        replaced.set(scaled, []);
        rewritten++;
        break;
      }
      case 'com.microsoft:DynamicQuantizeMatMul': {
        const [a, b, scale, zeroPoint, bias] = node.inputs;
        const weights = columnWeights(node, constant(node, b, 'weight')!, constant(node, scale, 'weight scale')!, constant(node, zeroPoint, 'weight zero point', true));
        replaced.set(node, matmul(node, a, weights, node.outputs[0], bias || undefined));
        rewritten++;
        break;
      }
      case 'com.microsoft:MatMulIntegerToFloat': {
        const [aQuantized, b, , scale, , zeroPoint, bias] = node.inputs;
        const quantizer = dynamicSource(node, aQuantized);
        const weights = columnWeights(node, constant(node, b, 'weight')!, constant(node, scale, 'weight scale')!, constant(node, zeroPoint, 'weight zero point', true));
        replaced.set(node, matmul(node, quantizer.inputs[0], weights, node.outputs[0], bias || undefined));
        rewritten++;
        break;
      }
      case 'com.microsoft:MatMulNBits': {
        const [a, b, scaleName, zeroName, groupIndex, bias] = node.inputs;
        if (groupIndex) throw unsupported(node, 'it reorders its blocks with g_idx');
        const weights = nBitsWeights(node, constant(node, b, 'packed weight')!, constant(node, scaleName, 'scales')!, constant(node, zeroName, 'zero points', true), sink, external);
        initializers.push(weights);
        replaced.set(node, matmul(node, a, weights.name, node.outputs[0], bias || undefined));
        rewritten++;
        break;
      }
      case 'DequantizeLinear': {
        const [x, scaleName, zeroName] = node.inputs;
        const source = producer.get(x);
        if (constants.has(x)) {
          const q = constant(node, x, 'input')!;
          const scale = constant(node, scaleName, 'scale')!;
          const zeroPoint = constant(node, zeroName, 'zero point', true);
          const axis = intAttribute(node, 'axis', 1);
          const blockSize = intAttribute(node, 'block_size', 0);
          initializers.push(sink.add(node.outputs[0], q.dims, (out) =>
            dequantizeInto(out, floatValues(q, external), q.dims, floatValues(scale, external), zeroPoint && floatValues(zeroPoint, external), axis, blockSize),
          ));
          replaced.set(node, []);
        } else if (source?.opType === 'Gather' && constants.has(source.inputs[0]) && consumers.get(x)?.length === 1) {
          // 8-bit rows gathered then dequantized (one scale): gather rows of the dequantized table instead.
          const table = constant(source, source.inputs[0], 'table')!;
          const scale = constant(node, scaleName, 'scale')!;
          const zeroPoint = constant(node, zeroName, 'zero point', true);
          if (sizeOf(scale.dims) !== 1 || (zeroPoint && sizeOf(zeroPoint.dims) !== 1)) throw unsupported(node, 'it dequantizes gathered rows with more than one scale');
          let dequantized = made.get(table.name);
          if (!dequantized) {
            dequantized = `${table.name}/dequantized`;
            initializers.push(sink.add(dequantized, table.dims, (out) => dequantizeInto(out, floatValues(table, external), table.dims, floatValues(scale, external), zeroPoint && floatValues(zeroPoint, external), 0, 0)));
            made.set(table.name, dequantized);
          }
          replaced.set(source, [{ ...source, inputs: [dequantized, ...source.inputs.slice(1)], outputs: [node.outputs[0]] }]);
          replaced.set(node, []);
        } else if (source?.opType === 'QuantizeLinear') {
          // Fake quantization of an activation: dropped, the float value goes on.
          replaced.set(node, [{ opType: 'Identity', name: `${node.name}/float`, inputs: [source.inputs[0]], outputs: [node.outputs[0]], attributes: {} }]);
        } else {
          break;
        }
        rewritten++;
        break;
      }
    }
  }
  if (rewritten === 0) return { graph, rewritten };
  const nodes = graph.nodes.flatMap((node) => replaced.get(node) ?? [node]);
  return { graph: { ...graph, nodes, initializers: [...graph.initializers, ...initializers] }, rewritten };
}

/**
 * The `[K, N]` float32 weights of a `MatMulNBits` node: `B` holds, per output column `n`, `K`
 * values of `bits` bits in blocks of `block_size` (least significant bits first), each block with
 * its scale and zero point (packed like `B`, or floats; 2^(bits−1) when absent):
 * `W[k, n] = (q[n, k] − zp[n, k / block_size]) · scale[n, k / block_size]`.
 */
function nBitsWeights(
  node: IrNode,
  packed: OnnxTensorFields,
  scales: OnnxTensorFields,
  zeroPoints: OnnxTensorFields | undefined,
  sink: Float32TensorSink,
  external: ExternalFiles | undefined,
): IrInitializer {
  const K = intAttribute(node, 'K', 0);
  const N = intAttribute(node, 'N', 0);
  const bits = intAttribute(node, 'bits', 4);
  const blockSize = intAttribute(node, 'block_size', 0);
  if (!(K > 0 && N > 0 && blockSize > 0) || ![2, 4, 8].includes(bits)) throw unsupported(node, `its attributes K ${K}, N ${N}, bits ${bits}, block_size ${blockSize} are not a supported layout (bits 2, 4 or 8)`);
  const blocks = Math.ceil(K / blockSize);
  const blobBytes = (blockSize * bits) / 8;
  if (packed.dataType !== ONNX_DTYPE.uint8 || sizeOf(packed.dims) !== N * blocks * blobBytes) {
    throw unsupported(node, `its weight '${packed.name}' is not uint8 [${N}, ${blocks}, ${blobBytes}] (dims [${packed.dims.join(', ')}], type ${packed.dataType})`);
  }
  if (sizeOf(scales.dims) !== N * blocks) throw unsupported(node, `its scales hold ${sizeOf(scales.dims)} values for ${N} × ${blocks} blocks`);
  const zeroRowBytes = Math.ceil((blocks * bits) / 8);
  const packedZeros = zeroPoints?.dataType === ONNX_DTYPE.uint8;
  if (zeroPoints && sizeOf(zeroPoints.dims) !== (packedZeros ? N * zeroRowBytes : N * blocks)) {
    throw unsupported(node, `its zero points hold ${sizeOf(zeroPoints.dims)} values for ${N} × ${blocks} blocks of ${bits} bits`);
  }
  const mask = (1 << bits) - 1;
  const unpack = (bytes: Uint8Array, rowStart: number, index: number): number => (bytes[rowStart + ((index * bits) >> 3)] >> ((index * bits) & 7)) & mask;
  return sink.add(`${packed.name}/dequantized`, [K, N], (out) => {
    const q = rawBytes(packed, external, sizeOf(packed.dims)) ?? Uint8Array.from(floatValues(packed, external));
    const scale = floatValues(scales, external);
    const zeroBytes = packedZeros ? (rawBytes(zeroPoints, external, sizeOf(zeroPoints.dims)) ?? Uint8Array.from(floatValues(zeroPoints, external))) : undefined;
    const zeroFloats = zeroPoints && !packedZeros ? floatValues(zeroPoints, external) : undefined;
    const fallback = 1 << (bits - 1);
    for (let n = 0; n < N; n++) {
      for (let k = 0; k < K; k++) {
        const block = Math.floor(k / blockSize);
        const value = unpack(q, (n * blocks + block) * blobBytes, k % blockSize);
        const zero = zeroBytes ? unpack(zeroBytes, n * zeroRowBytes, block) : zeroFloats ? zeroFloats[n * blocks + block] : fallback;
        out[k * N + n] = Math.fround((value - zero) * scale[n * blocks + block]);
      }
    }
  });
}
