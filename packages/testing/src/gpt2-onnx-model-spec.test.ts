import { InvalidInputError } from '@inseq/core';
import { describe, expect, it } from 'vitest';
import { createTinyGpt2 } from './create-tiny-gpt2';
import { gpt2OnnxModelSpec } from './gpt2-onnx-model-spec';

const { weights, config } = createTinyGpt2();

describe('gpt2OnnxModelSpec', () => {
  const spec = gpt2OnnxModelSpec(weights, config);

  it('uses only standard opset-17 ops', () => {
    const ops = new Set(spec.nodes.map((node) => node.opType));
    expect([...ops].sort()).toEqual(
      ['Add', 'And', 'Cast', 'Concat', 'Div', 'Gather', 'LayerNormalization', 'MatMul', 'Mul', 'Pow', 'Reshape', 'Shape', 'Slice', 'Softmax', 'Split', 'Tanh', 'Transpose', 'Unsqueeze', 'Where'].sort(),
    );
    expect(spec.opsetVersion).toBe(17);
  });

  it('stores every weight once under its HF name, the LM head tied to wte', () => {
    const names = spec.initializers.map((tensor) => tensor.name);
    expect(new Set(names).size).toBe(names.length);
    for (const name of Object.keys(weights)) expect(names).toContain(name);
    const vocab = config.vocab_size as number;
    expect(spec.initializers.filter((tensor) => tensor.dims[0] === vocab)).toHaveLength(1);
    expect(spec.nodes.at(-1)).toMatchObject({ opType: 'MatMul', outputs: ['logits'] });
  });

  it('names a missing weight', () => {
    const { 'transformer.h.1.ln_2.bias': _, ...rest } = weights;
    expect(() => gpt2OnnxModelSpec(rest, config)).toThrow(InvalidInputError);
    expect(() => gpt2OnnxModelSpec(rest, config)).toThrow(/transformer\.h\.1\.ln_2\.bias/);
  });
});
