import {
  type OnnxAttributeValue,
  type OnnxModelSpec,
  type OnnxTensorSpec,
  createTinyGpt2,
  createTinyLlama,
  createTinyMarian,
  createTinyT5,
  gpt2OnnxModelSpec,
  llamaOnnxModelSpec,
  marianEncoderOnnxSpec,
  t5OnnxModelSpecs,
} from '@inseq/testing';
import { describe, expect, it } from 'vitest';
import { expectGradient, testInput } from './gradient-test-support.test-support';
import { ONNX_DTYPE, type IrAttribute, type IrInitializer, type IrNode, type IrTensor } from './onnx-ir';

/** An `OnnxTensorSpec` of the test model writer as an IR tensor (the types the GPT-2 spec uses). */
function irTensor(spec: OnnxTensorSpec, double: boolean): IrTensor {
  const values = Array.from(spec.data as ArrayLike<number | bigint | boolean>, (v) => (typeof v === 'boolean' ? (v ? 1 : 0) : v));
  switch (spec.dataType) {
    case 'float':
      return double
        ? { name: spec.name, dataType: ONNX_DTYPE.double, dims: spec.dims, raw: new Uint8Array(Float64Array.from(values, Number).buffer) }
        : { name: spec.name, dataType: ONNX_DTYPE.float, dims: spec.dims, raw: new Uint8Array(Float32Array.from(values, Number).buffer) };
    case 'int64':
      return { name: spec.name, dataType: ONNX_DTYPE.int64, dims: spec.dims, raw: new Uint8Array(BigInt64Array.from(values, (v) => BigInt(v)).buffer) };
    case 'bool':
      return { name: spec.name, dataType: ONNX_DTYPE.bool, dims: spec.dims, raw: Uint8Array.from(values, (v) => (Number(v) ? 1 : 0)) };
    default:
      throw new Error(`Unsupported test tensor type ${spec.dataType}`);
  }
}

/** `double`: float tensors written as double, and casts to float as casts to double. */
function irAttribute(name: string, value: OnnxAttributeValue, double: boolean): IrAttribute {
  switch (value.kind) {
    case 'int':
      return { kind: 'int', value: double && name === 'to' && Number(value.value) === ONNX_DTYPE.float ? ONNX_DTYPE.double : Number(value.value) };
    case 'ints':
      return { kind: 'ints', value: value.value.map(Number) };
    case 'tensor':
      return { kind: 'tensor', value: irTensor(value.value, double) };
    case 'graph':
      throw new Error('No subgraphs in this test');
    default:
      return value;
  }
}

function irNodes(spec: OnnxModelSpec, double: boolean): IrNode[] {
  return spec.nodes.map((node, index) => ({
    opType: node.opType,
    name: node.name ?? `node_${index}`,
    inputs: node.inputs,
    outputs: node.outputs,
    attributes: Object.fromEntries(Object.entries(node.attributes ?? {}).map(([name, value]) => [name, irAttribute(name, value, double)])),
  }));
}

/**
 * The forward graph with the embedding `Gather(table, input_ids)` cut (its output fed as an
 * input), the logits of the real tokens of a padded batch as the differentiated output.
 */
async function checkEmbeddingGradient(spec: OnnxModelSpec, hidden: number, double: boolean): Promise<void> {
  const nodes = irNodes(spec, double);
  const embedding = nodes.find((node) => node.opType === 'Gather' && node.inputs[1] === 'input_ids');
  expect(embedding).toBeDefined();
  const embeds = embedding?.outputs[0] as string;
  const batch = 2;
  const sequence = 3;
  const check = await expectGradient(
    {
      // The logits of the real tokens: a padded query attends to no key (every score at float32's
      // minimum, absorbed in float32), so finite differences see a flat function where the
      // analytic gradient of the softmax is not zero; no method reads those positions.
      nodes: [...nodes.filter((node) => node !== embedding), { opType: 'Slice', name: 'real_tokens', inputs: ['logits', 'from', 'to', 'axis'], outputs: ['Y'], attributes: {} }],
      inputs: [
        testInput(embeds, [batch, sequence, hidden], 1, -0.5, 0.5, double ? 'double' : 'float'),
        { name: 'input_ids', type: 'int64', dims: [batch, sequence], data: [5, 6, 7, 8, 9, 10] },
        // The first row left-padded: its mask selects float32's minimum through Where.
        { name: 'attention_mask', type: 'int64', dims: [batch, sequence], data: [0, 1, 1, 1, 1, 1] },
        { name: 'position_ids', type: 'int64', dims: [batch, sequence], data: [1, 0, 1, 0, 1, 2] },
      ],
      constants: [
        { name: 'from', type: 'int64', dims: [1], data: [1] },
        { name: 'to', type: 'int64', dims: [1], data: [sequence] },
        { name: 'axis', type: 'int64', dims: [1], data: [1] },
      ],
      initializers: spec.initializers.map((tensor): IrInitializer => ({ name: tensor.name, tensor: irTensor(tensor, double) })),
      output: 'Y',
      wrt: [embeds],
      step: double ? 1e-6 : 1e-2,
    },
    double ? 1e-6 : 2e-2,
  );
  // The mask, position and shape computations are pruned: no gradient node reads the ids paths.
  expect(check.gradientNodes.some((node) => ['input_ids', 'attention_mask', 'position_ids'].some((name) => node.inputs.includes(name)))).toBe(false);
}

describe('gradient graphs of whole tiny decoder exports (opset 17, embedding Gather cut, padded batch) against finite differences', () => {
  for (const double of [false, true]) {
    const precision = double ? 'converted to double' : 'float32';
    it(`GPT-2, ${precision}`, async () => {
      const { weights, config } = createTinyGpt2();
      await checkEmbeddingGradient(gpt2OnnxModelSpec(weights, config), config.n_embd as number, double);
    });
    it(`Llama (RMSNorm, rotary embeddings, grouped KV heads, SiLU MLP), ${precision}`, async () => {
      const { weights, config } = createTinyLlama();
      await checkEmbeddingGradient(llamaOnnxModelSpec(weights, config), config.hidden_size as number, double);
    });
  }
});

/**
 * An encoder graph with its embedding `Gather` cut, differentiated from `last_hidden_state`
 * `[batch, source, hidden]` with a random seed of that shape (the vector-Jacobian product an
 * encoder-decoder gradient chains through `encoder_hidden_states`), on a right-padded source.
 */
async function checkEncoderGradient(spec: OnnxModelSpec, hidden: number): Promise<void> {
  const nodes = irNodes(spec, true);
  const embedding = nodes.find((node) => node.opType === 'Gather' && node.inputs[1] === 'input_ids');
  expect(embedding).toBeDefined();
  const embeds = embedding?.outputs[0] as string;
  const [batch, source] = [2, 3];
  const check = await expectGradient({
    // Every source position: a padded query still attends to the real keys, so its state is smooth.
    nodes: nodes.filter((node) => node !== embedding),
    inputs: [
      testInput(embeds, [batch, source, hidden], 3, -0.5, 0.5),
      { name: 'input_ids', type: 'int64', dims: [batch, source], data: [5, 6, 7, 8, 9, 0] },
      { name: 'attention_mask', type: 'int64', dims: [batch, source], data: [1, 1, 1, 1, 1, 0] },
    ],
    initializers: spec.initializers.map((tensor): IrInitializer => ({ name: tensor.name, tensor: irTensor(tensor, true) })),
    output: 'last_hidden_state',
    wrt: [embeds],
  });
  // The mask and T5's relative position buckets are index paths: pruned.
  expect(check.gradientNodes.some((node) => ['input_ids', 'attention_mask'].some((name) => node.inputs.includes(name)))).toBe(false);
}

describe('gradient graphs of whole tiny encoder exports (a [batch, source, hidden] seed on last_hidden_state) against finite differences, in double', () => {
  it('T5 (relative position buckets, RMS norm, ReLU)', async () => {
    const { weights, config } = createTinyT5();
    await checkEncoderGradient(t5OnnxModelSpecs(weights, config).encoder, config.d_model as number);
  });
  it('Marian (embedding scale, sinusoidal positions, SiLU)', async () => {
    const { weights, config } = createTinyMarian();
    await checkEncoderGradient(marianEncoderOnnxSpec(weights, config), config.d_model as number);
  });
});
