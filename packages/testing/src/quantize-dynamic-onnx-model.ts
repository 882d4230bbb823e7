import { InvalidInputError } from '@inseq/core';
import type { OnnxModelSpec, OnnxNodeSpec, OnnxTensorSpec } from './onnx-model-spec';

/** Options of {@link quantizeDynamicOnnxModel}. */
export interface QuantizeDynamicOptions {
  /**
   * Weight type as onnxruntime's `QuantType`: `'uint8'` (QUInt8, asymmetric, zero point from the
   * range) or `'int8'` (QInt8, symmetric in [-127, 127], zero point 0). @defaultValue 'uint8'
   */
  weightType?: 'uint8' | 'int8';
  /**
   * Also quantize the tables of `Gather`s on 2-D float initializers (the token embeddings), as
   * quantizers that include `Gather` do: `'after'` gathers rows of the 8-bit table and dequantizes
   * them (`Gather` → `DequantizeLinear`, onnxruntime's operator-oriented form); `'before'`
   * dequantizes the whole table first (`DequantizeLinear` → `Gather`, the QDQ form).
   * @defaultValue undefined (Gather tables stay float)
   */
  gather?: 'after' | 'before';
}

/** numpy's `round`: halves to even. */
function roundHalfEven(x: number): number {
  const floor = Math.floor(x);
  const diff = x - floor;
  if (diff > 0.5) return floor + 1;
  if (diff < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

/** Per-tensor quantization of one weight, as onnxruntime's `quantize_data` without reduce_range. */
function quantizeWeight(weight: OnnxTensorSpec, type: 'uint8' | 'int8'): { values: number[]; scale: number; zeroPoint: number } {
  const data = Array.from({ length: weight.data.length }, (_, i) => Number(weight.data[i]));
  const rmin = data.reduce((low, value) => Math.min(low, value), 0);
  const rmax = data.reduce((high, value) => Math.max(high, value), 0);
  let scale: number;
  let zeroPoint: number;
  let [qmin, qmax] = [0, 255];
  if (type === 'int8') {
    [qmin, qmax] = [-127, 127];
    scale = Math.fround(Math.max(-rmin, rmax) / 127);
    zeroPoint = 0;
  } else {
    scale = Math.fround((rmax - rmin) / 255);
    zeroPoint = Math.min(255, Math.max(0, roundHalfEven(-rmin / scale)));
  }
  if (scale === 0) scale = 1;
  const values = data.map((value) => Math.min(qmax, Math.max(qmin, roundHalfEven(value / scale) + zeroPoint)));
  return { values, scale, zeroPoint };
}

/**
 * A model as onnxruntime's `quantize_dynamic` writes it (the `model_quantized.onnx` of a
 * transformers.js folder): every `MatMul` whose second input is a 2-D float initializer becomes
 * `DynamicQuantizeLinear(A)` → `MatMulInteger(A_quantized, W_quantized, A_zero_point, W_zero_point)`
 * → `Cast` to float → `Mul` by `A_scale * W_scale`, with `W` stored as 8-bit per-tensor values and
 * its float initializer dropped. MatMuls of two activations (attention, the tied LM head behind a
 * `Transpose`) and `Gather` stay float, so `transformer.wte.weight` keeps its float32 values.
 */
export function quantizeDynamicOnnxModel(model: OnnxModelSpec, options: QuantizeDynamicOptions = {}): OnnxModelSpec {
  const weightType = options.weightType ?? 'uint8';
  if (weightType !== 'uint8' && weightType !== 'int8') {
    throw new InvalidInputError(`weightType must be 'uint8' or 'int8', got ${JSON.stringify(weightType)}.`, { code: 'INVALID_ARGUMENT' });
  }
  const byName = new Map(model.initializers.map((tensor) => [tensor.name, tensor]));
  const quantized = new Map<string, OnnxTensorSpec[]>();
  const activations = new Set<string>();
  const nodes: OnnxNodeSpec[] = [];
  for (const node of model.nodes) {
    const table = node.opType === 'Gather' && options.gather ? byName.get(node.inputs[0]) : undefined;
    if (table && table.dataType === 'float' && table.dims.length === 2) {
      const t = node.inputs[0];
      if (!quantized.has(t)) {
        const { values, scale, zeroPoint } = quantizeWeight(table, weightType);
        quantized.set(t, [
          { name: `${t}_quantized`, dataType: weightType, dims: table.dims, data: values },
          { name: `${t}_scale`, dataType: 'float', dims: [], data: [scale] },
          { name: `${t}_zero_point`, dataType: weightType, dims: [], data: [zeroPoint] },
        ]);
      }
      const [output] = node.outputs;
      const base = node.name ?? output;
      const dequantize = (input: string, out: string): OnnxNodeSpec => ({
        opType: 'DequantizeLinear',
        inputs: [input, `${t}_scale`, `${t}_zero_point`],
        outputs: [out],
        name: `${base}_DequantizeLinear`,
      });
      if (options.gather === 'after') {
        nodes.push({ ...node, inputs: [`${t}_quantized`, node.inputs[1]], outputs: [`${output}_quantized`] }, dequantize(`${output}_quantized`, output));
      } else {
        nodes.push(dequantize(`${t}_quantized`, `${t}_dequantized`), { ...node, inputs: [`${t}_dequantized`, node.inputs[1]] });
      }
      continue;
    }
    const weight = node.opType === 'MatMul' ? byName.get(node.inputs[1]) : undefined;
    if (!weight || weight.dataType !== 'float' || weight.dims.length !== 2) {
      nodes.push(node);
      continue;
    }
    const [a, w] = node.inputs;
    const [output] = node.outputs;
    if (!quantized.has(w)) {
      const { values, scale, zeroPoint } = quantizeWeight(weight, weightType);
      quantized.set(w, [
        { name: `${w}_quantized`, dataType: weightType, dims: weight.dims, data: values },
        { name: `${w}_scale`, dataType: 'float', dims: [], data: [scale] },
        { name: `${w}_zero_point`, dataType: weightType, dims: [], data: [zeroPoint] },
      ]);
    }
    if (!activations.has(a)) {
      activations.add(a);
      nodes.push({ opType: 'DynamicQuantizeLinear', inputs: [a], outputs: [`${a}_quantized`, `${a}_scale`, `${a}_zero_point`], name: `${a}_QuantizeLinear` });
    }
    const base = node.name ?? output;
    nodes.push(
      { opType: 'MatMulInteger', inputs: [`${a}_quantized`, `${w}_quantized`, `${a}_zero_point`, `${w}_zero_point`], outputs: [`${output}_quantized`], name: `${base}_quant` },
      { opType: 'Mul', inputs: [`${a}_scale`, `${w}_scale`], outputs: [`${base}_scales_mul:0`], name: `${base}_scales_mul` },
      { opType: 'Cast', inputs: [`${output}_quantized`], outputs: [`${output}_quantized_cast_output`], name: `${output}_quantized_cast`, attributes: { to: { kind: 'int', value: 1 } } },
      { opType: 'Mul', inputs: [`${output}_quantized_cast_output`, `${base}_scales_mul:0`], outputs: [output], name: `${base}_output_scale_mul` },
    );
  }
  const stillUsed = new Set(nodes.flatMap((node) => node.inputs));
  const initializers = [
    ...model.initializers.filter((tensor) => !quantized.has(tensor.name) || stillUsed.has(tensor.name)),
    ...[...quantized.values()].flat(),
  ];
  return { ...model, initializers, nodes };
}
