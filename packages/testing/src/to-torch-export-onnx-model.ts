import type { OnnxModelSpec, OnnxNodeSpec, OnnxTensorSpec } from './onnx-model-spec';

/** Options of {@link toTorchExportOnnxModel}. */
export interface TorchExportOnnxOptions {
  /**
   * The name torch gives the token embedding table: the parameter path of the exported module
   * (`model.transformer.wte.weight` when the module wraps the model, `wte.weight` for the bare
   * transformer). @defaultValue 'model.transformer.wte.weight'
   */
  embeddingName?: string;
}

const int64Max = 2n ** 63n - 1n;

/**
 * A GPT-2 graph of `gpt2OnnxModelSpec` as plain `torch.onnx.export` writes it, same math, other
 * names and shapes of the plumbing:
 * - the weights of `MatMul`s become `onnx::MatMul_<n>` (torch constant-folds the Conv1D weights
 *   and the transposed, tied LM head into new unnamed initializers, so the embedding table is
 *   stored twice: as the Gather's table and transposed for the head);
 * - the embedding table is named after the exporting module (`embeddingName`), other parameters
 *   keep their `transformer.` names;
 * - `input_ids` goes through a `Cast` to int64 before every use (torch's `.long()` on the ids);
 * - there is no `position_ids` input: positions are computed in the graph from `attention_mask`
 *   (`cumsum(mask) − 1`, padding at 1, the last `sequence_length` columns), as a wrapper that
 *   calls the model with positions derived from the mask exports it;
 * - node names are torch's module paths (`/transformer/h.0/...`, as `gpt2OnnxModelSpec` writes them);
 *   the id cast and the positions, computed by the exporting wrapper, are in its root scope (`/Cast`, `/CumSum`, …).
 * Inputs are `input_ids`, `attention_mask` and, for a KV-cache graph, `past_key_values.{i}.key/value`;
 * outputs `logits`, `present.{i}.key/value` and `attentions.{i}` as given.
 */
export function toTorchExportOnnxModel(model: OnnxModelSpec, options: TorchExportOnnxOptions = {}): OnnxModelSpec {
  const embeddingName = options.embeddingName ?? 'model.transformer.wte.weight';
  const byName = new Map(model.initializers.map((tensor) => [tensor.name, tensor]));
  const rename = new Map<string, string>();
  let counter = 1000;
  const initializers: OnnxTensorSpec[] = [];
  const nodes: OnnxNodeSpec[] = [];
  // input_ids as torch casts it; positions from the mask.
  const ids = '/Cast_output_0';
  nodes.push({ opType: 'Cast', inputs: ['input_ids'], outputs: [ids], name: '/Cast', attributes: { to: { kind: 'int', value: 7 } } });
  rename.set('input_ids', ids);
  const constant = (name: string, dataType: OnnxTensorSpec['dataType'], dims: number[], data: OnnxTensorSpec['data']) => {
    initializers.push({ name, dataType, dims, data });
    return name;
  };
  const positionNodes: OnnxNodeSpec[] = [
    { opType: 'CumSum', inputs: ['attention_mask', constant('onnx::CumSum_1', 'int64', [], [1])], outputs: ['/CumSum_output_0'] },
    { opType: 'Sub', inputs: ['/CumSum_output_0', constant('onnx::Sub_1', 'int64', [], [1])], outputs: ['/Sub_output_0'] },
    { opType: 'Equal', inputs: ['attention_mask', constant('onnx::Equal_1', 'int64', [], [0])], outputs: ['/Equal_output_0'] },
    { opType: 'Where', inputs: ['/Equal_output_0', constant('onnx::Where_1', 'int64', [], [1]), '/Sub_output_0'], outputs: ['/Where_output_0'] },
    // The fed tokens' positions: the last sequence_length columns (all of them without a cache).
    { opType: 'Shape', inputs: [ids], outputs: ['/Shape_output_0'], attributes: { start: { kind: 'int', value: 1 }, end: { kind: 'int', value: 2 } } },
    { opType: 'Neg', inputs: ['/Shape_output_0'], outputs: ['/Neg_output_0'] },
    {
      opType: 'Slice',
      inputs: ['/Where_output_0', '/Neg_output_0', constant('onnx::Slice_end', 'int64', [1], [int64Max]), constant('onnx::Slice_axes', 'int64', [1], [1])],
      outputs: ['position_ids'],
    },
  ];
  nodes.push(...positionNodes.map((node) => ({ ...node, name: `/${node.opType}` })));
  for (const node of model.nodes) {
    const table = node.opType === 'Transpose' ? byName.get(node.inputs[0]) : undefined;
    if (table && table.dims.length === 2) {
      // Constant-folded: the transposed table becomes a new initializer, read by the head's MatMul.
      const [rows, columns] = table.dims;
      const transposed = new Float32Array(rows * columns);
      for (let r = 0; r < rows; r++) for (let c = 0; c < columns; c++) transposed[c * rows + r] = Number(table.data[r * columns + c]);
      const name = `onnx::MatMul_${counter++}`;
      initializers.push({ name, dataType: table.dataType, dims: [columns, rows], data: transposed });
      rename.set(node.outputs[0], name);
      continue;
    }
    if (node.opType === 'MatMul' && byName.has(node.inputs[1]) && !rename.has(node.inputs[1])) {
      rename.set(node.inputs[1], `onnx::MatMul_${counter++}`);
    }
    nodes.push({ ...node, inputs: node.inputs.map((name) => rename.get(name) ?? name), name: node.name ?? `/${node.opType}` });
  }
  for (const node of nodes) if (node.opType === 'Gather' && node.inputs[1] === ids && byName.has(node.inputs[0])) rename.set(node.inputs[0], embeddingName);
  const used = new Set(nodes.flatMap((node) => node.inputs));
  for (const tensor of model.initializers) {
    const name = rename.get(tensor.name) ?? tensor.name;
    if (used.has(tensor.name) || used.has(name)) initializers.push({ ...tensor, name });
  }
  const renamed = nodes.map((node) => ({ ...node, inputs: node.inputs.map((name) => (byName.has(name) ? (rename.get(name) ?? name) : name)) }));
  return {
    ...model,
    producerName: 'pytorch',
    inputs: model.inputs.filter((input) => input.name !== 'position_ids'),
    initializers,
    nodes: renamed,
  };
}
