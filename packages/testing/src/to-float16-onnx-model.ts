import type { OnnxModelSpec, OnnxNodeSpec, OnnxTensorSpec } from './onnx-model-spec';

const float16Max = 65504;
const castTo = { float: 1, float16: 10 } as const;

function cast(input: string, output: string, to: keyof typeof castTo): OnnxNodeSpec {
  return { opType: 'Cast', inputs: [input], outputs: [output], name: `/Cast_${to}_${output}`, attributes: { to: { kind: 'int', value: castTo[to] } } };
}

function fitsFloat16(data: OnnxTensorSpec['data']): boolean {
  for (let i = 0; i < data.length; i++) if (Math.abs(Number(data[i])) > float16Max) return false;
  return true;
}

/**
 * The float16 twin of a float32 model, with the I/O Optimum's `--dtype fp16` export gives:
 * float initializers stored as FLOAT16, float graph inputs (`past_key_values.*`) and outputs
 * (`logits`, `present.*`, `attentions.*`) typed float16. Inside, the graph still computes in
 * float32: a `Cast` after each float16 initializer and input, and one before each output, so the
 * numbers differ from the float32 model only by float16 rounding of weights, cache and outputs.
 * An initializer with values beyond float16's range (the float32-minimum mask score) stays float32,
 * since it would round to -Infinity and turn fully masked softmax rows into NaN.
 */
export function toFloat16OnnxModel(model: OnnxModelSpec): OnnxModelSpec {
  const head: OnnxNodeSpec[] = [];
  const inner = new Map<string, string>();
  const initializers = model.initializers.map((tensor) => {
    if (tensor.dataType !== 'float' || !fitsFloat16(tensor.data)) return tensor;
    inner.set(tensor.name, `${tensor.name}/float32`);
    head.push(cast(tensor.name, `${tensor.name}/float32`, 'float'));
    return { ...tensor, dataType: 'float16' as const };
  });
  const inputs = model.inputs.map((input) => {
    if (input.dataType !== 'float') return input;
    inner.set(input.name, `${input.name}/float32`);
    head.push(cast(input.name, `${input.name}/float32`, 'float'));
    return { ...input, dataType: 'float16' as const };
  });
  const tail: OnnxNodeSpec[] = [];
  const outputs = model.outputs.map((output) => {
    if (output.dataType !== 'float') return output;
    inner.set(output.name, `${output.name}/float32`);
    tail.push(cast(`${output.name}/float32`, output.name, 'float16'));
    return { ...output, dataType: 'float16' as const };
  });
  const rename = (name: string) => inner.get(name) ?? name;
  const body = model.nodes.map((node) => ({ ...node, inputs: node.inputs.map(rename), outputs: node.outputs.map(rename) }));
  return { ...model, inputs, outputs, initializers, nodes: [...head, ...body, ...tail] };
}
