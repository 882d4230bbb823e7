import { float16BitsToFloat32, float32ToFloat16Bits } from '@inseq/core';
import type { OnnxModelSpec, OnnxTensorSpec } from '@inseq/testing';

// Fixtures of the float32-upcast tests, built on model specs (before any ONNX bytes), so the
// references never go through the pass under test.

const float16Max = 65504;

function floats(tensor: OnnxTensorSpec): number[] {
  return Array.from({ length: tensor.data.length }, (_, i) => Number(tensor.data[i]));
}

/** `values` rounded to float16 and back, as float32. */
export function roundToFloat16(values: ArrayLike<number>): Float32Array {
  return float16BitsToFloat32(float32ToFloat16Bits(values));
}

/**
 * The fp32 twin of `toFloat16OnnxModel(spec)`: the same graph in float32 with every float
 * initializer that fits float16 rounded to it (the others, like the masked score, kept), i.e. an
 * fp32 export of the fp16-rounded weights.
 */
export function withFloat16RoundedWeights(spec: OnnxModelSpec, options: { readonly clamp?: boolean } = {}): OnnxModelSpec {
  const initializers = spec.initializers.map((tensor) => {
    if (tensor.dataType !== 'float') return tensor;
    const values = floats(tensor);
    const fits = values.every((v) => Math.abs(v) <= float16Max);
    if (!fits && !options.clamp) return tensor;
    return { ...tensor, data: roundToFloat16(values.map((v) => Math.max(-float16Max, Math.min(float16Max, v)))) };
  });
  return { ...spec, initializers };
}

/**
 * The spec computing in float16 throughout, as onnxconverter-common's `convert_float_to_float16`
 * without `keep_io_types` writes it: float initializers stored as float16 (clamped to its range),
 * `Cast`s to float retargeted to float16, float graph inputs and outputs typed float16. Its
 * float32 reading is `withFloat16RoundedWeights(spec, { clamp: true })`.
 */
export function computingInFloat16(spec: OnnxModelSpec): OnnxModelSpec {
  const half = <T extends { dataType: string }>(value: T): T => (value.dataType === 'float' ? { ...value, dataType: 'float16' } : value);
  return {
    ...spec,
    initializers: withFloat16RoundedWeights(spec, { clamp: true }).initializers.map(half),
    inputs: spec.inputs.map(half),
    outputs: spec.outputs.map(half),
    nodes: spec.nodes.map((node) =>
      node.opType === 'Cast' && node.attributes?.to?.kind === 'int' && Number(node.attributes.to.value) === 1
        ? { ...node, attributes: { ...node.attributes, to: { kind: 'int', value: 10 } } }
        : node,
    ),
  };
}

/**
 * The fp32 spec whose weights are those `quantizeDynamicOnnxModel` stored in `quantized`,
 * dequantized by hand: each `W` with `W_quantized`, `W_scale`, `W_zero_point` becomes
 * `(W_quantized − W_zero_point) · W_scale` (rounded to float32).
 */
export function withDequantizedWeights(spec: OnnxModelSpec, quantized: OnnxModelSpec): OnnxModelSpec {
  const byName = new Map(quantized.initializers.map((tensor) => [tensor.name, tensor]));
  const initializers: OnnxTensorSpec[] = [];
  // A table the quantized model still reads as float elsewhere (the tied LM head) keeps its
  // values there; its Gathers read a dequantized copy.
  const gatherCopies = new Map<string, string>();
  for (const tensor of spec.initializers) {
    const q = byName.get(`${tensor.name}_quantized`);
    if (!q) {
      initializers.push(tensor);
      continue;
    }
    const scale = Number(byName.get(`${tensor.name}_scale`)!.data[0]);
    const zero = Number(byName.get(`${tensor.name}_zero_point`)!.data[0]);
    const data = Float32Array.from(floats(q), (v) => Math.fround((v - zero) * scale));
    if (byName.has(tensor.name)) {
      gatherCopies.set(tensor.name, `${tensor.name}/dequantized`);
      initializers.push(tensor, { ...tensor, name: `${tensor.name}/dequantized`, data });
    } else {
      initializers.push({ ...tensor, data });
    }
  }
  if (initializers.every((tensor, i) => tensor === spec.initializers[i]) && initializers.length === spec.initializers.length) throw new Error('no quantized weight found');
  const nodes = spec.nodes.map((node) =>
    node.opType === 'Gather' && gatherCopies.has(node.inputs[0]) ? { ...node, inputs: [gatherCopies.get(node.inputs[0])!, ...node.inputs.slice(1)] } : node,
  );
  return { ...spec, initializers, nodes };
}
