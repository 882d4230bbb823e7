import { MissingCapabilityError } from '@inseq/core';
import { indexOps } from '../onnx/find-embedding-table';
import { buildGradientGraph } from './gradient-builder';
import { ONNX_DTYPE, type IrGraph, type IrModel, type IrNode, type IrValueInfo } from './onnx-ir';
import type { RecordedTarget } from './onnx-target-ops';

/**
 * The token-embedding lookup of a decoder-only graph, found by structure: the `Gather` whose
 * indices come from `idsInput` (through ops that only cast or reshape ids) and whose data is not
 * itself computed from the ids. Its output is the `[batch, sequence, hidden]` token embeddings.
 */
export function findEmbeddingGather(graph: IrGraph, idsInput = 'input_ids'): IrNode | undefined {
  const idValues = new Set([idsInput]);
  for (const node of graph.nodes) {
    if (indexOps.has(node.opType) && idValues.has(node.inputs[0])) for (const output of node.outputs) idValues.add(output);
    if (node.opType === 'Gather' && idValues.has(node.inputs[1]) && !idValues.has(node.inputs[0])) return node;
  }
  return undefined;
}

/** A decoder-only graph whose token-embedding lookup is cut: its output is a graph input. */
export interface CutEmbeddingGraph {
  /** The graph without the embedding `Gather`; inputs, outputs and value infos otherwise the export's. */
  readonly graph: IrGraph;
  /** Graph input that replaces the lookup: token embeddings, `[batch, sequence, hidden]`. */
  readonly embedsInput: string;
}

/**
 * The export's graph with its token-embedding `Gather` (found by {@link findEmbeddingGather})
 * removed and its output declared a graph input, so every path from the ids to positions and
 * masks stays and the embeddings are fed.
 *
 * @throws MissingCapabilityError when there is no embedding lookup or no `logitsOutput` output;
 *   `purpose` starts the message ("Gradients on ONNX Runtime need").
 */
export function cutEmbeddingLookup(
  source: IrModel,
  options: { readonly logitsOutput?: string; readonly idsInput?: string; readonly fileName?: string; readonly purpose?: string } = {},
): CutEmbeddingGraph {
  const graph = source.graph;
  const logitsOutput = options.logitsOutput ?? 'logits';
  const where = options.fileName ?? 'the ONNX model';
  const gather = findEmbeddingGather(graph, options.idsInput);
  if (!gather) {
    throw new MissingCapabilityError(
      `${options.purpose ?? 'Running from given embeddings needs'} the token-embedding lookup of ${where} (a Gather of input_ids), and none was found.`,
    );
  }
  if (!graph.outputs.some((output) => output.name === logitsOutput)) {
    throw new MissingCapabilityError(`${where} has no '${logitsOutput}' output to differentiate.`);
  }
  const embeds = gather.outputs[0];
  return {
    graph: {
      ...graph,
      nodes: graph.nodes.filter((node) => node !== gather),
      inputs: [...graph.inputs, { name: embeds, dataType: ONNX_DTYPE.float, shape: ['batch_size', 'sequence_length', undefined] }],
      valueInfo: graph.valueInfo.filter((info) => info.name !== embeds),
    },
    embedsInput: embeds,
  };
}

/**
 * The export with its token-embedding lookup cut: the `Gather`'s output becomes a graph input
 * (`embedsInput`, `[batch, sequence, hidden]`) and only `logitsOutput` is returned, so ONNX
 * Runtime can run the model from given embeddings (baselines, path points, perturbed inputs).
 */
export function buildDecoderOnlyEmbedsForward(
  source: IrModel,
  options: { readonly logitsOutput?: string; readonly idsInput?: string; readonly fileName?: string } = {},
): { readonly model: IrModel; readonly embedsInput: string; readonly logitsOutput: string } {
  const logitsOutput = options.logitsOutput ?? 'logits';
  const { graph, embedsInput } = cutEmbeddingLookup(source, options);
  const logits = graph.outputs.find((output) => output.name === logitsOutput)!;
  return { model: { ...source, graph: { ...graph, outputs: [logits] } }, embedsInput, logitsOutput };
}

/** The gradient model of a decoder-only export for one kind of target, and how to feed it. */
export interface GradientModel {
  readonly model: IrModel;
  /** Graph input that replaces the embedding lookup: token embeddings, `[batch, sequence, hidden]`. */
  readonly embedsInput: string;
  /** Graph input of the incoming gradient of the target, `[batch]` (ones). */
  readonly seedInput: string;
  /** Graph outputs: the target's value `[batch]` and its gradient w.r.t. the embeddings (or the differentiated value). */
  readonly valueOutput: string;
  readonly gradientOutput: string;
}

/**
 * Builds, from a decoder-only export (`input_ids`, `attention_mask`, … → `logits`), a model that
 * takes the token embeddings instead of looking them up and returns the attributed function at
 * the last position (left padding puts every row's last real token there) and its gradient with
 * respect to those embeddings: the embedding `Gather` is cut (its output becomes a graph input,
 * so every path from the ids to positions and masks stays), `target` is appended to the
 * last-position logits, and the reverse-mode gradient graph of the target is appended.
 *
 * @throws MissingCapabilityError when the embedding lookup cannot be found or an op on the path
 *   has no gradient rule (naming the op and the node).
 */
export function buildDecoderOnlyGradientModel(
  source: IrModel,
  target: RecordedTarget,
  options: { readonly logitsOutput?: string; readonly idsInput?: string; readonly fileName?: string } = {},
): GradientModel {
  const { graph, embedsInput } = cutEmbeddingLookup(source, { ...options, purpose: 'Gradients on ONNX Runtime need' });
  const built = appendTargetGradient(source, graph, target, { wrt: embedsInput, logitsOutput: options.logitsOutput });
  return { ...built, embedsInput };
}

/**
 * `graph` (a cut export of `source`) with `target` appended to its last-position logits and the
 * reverse-mode gradient graph of the target with respect to `wrt` (a value of `graph`); its
 * outputs become the target's value, the gradient, then `extraOutputs`.
 */
export function appendTargetGradient(
  source: IrModel,
  graph: IrGraph,
  target: RecordedTarget,
  options: { readonly wrt: string; readonly logitsOutput?: string; readonly extraOutputs?: readonly IrValueInfo[] },
): Omit<GradientModel, 'embedsInput'> {
  const logitsOutput = options.logitsOutput ?? 'logits';
  const opsetVersion = source.opsetImports[''] ?? source.opsetImports['ai.onnx'] ?? 13;
  const lastIndex = 'target/last_position';
  const lastLogits = 'target/last_logits';
  const seedInput = 'grad/seed';
  const withTarget: IrGraph = {
    ...graph,
    nodes: [
      ...graph.nodes,
      { opType: 'Gather', name: `${lastLogits}/node`, inputs: [logitsOutput, lastIndex], outputs: [lastLogits], attributes: { axis: { kind: 'int', value: 1 } } },
      ...target.nodes.map((node) => ({ ...node, inputs: node.inputs.map((input) => (input === 'target/logits' ? lastLogits : input)) })),
    ],
    inputs: [...graph.inputs, ...target.inputs, { name: seedInput, dataType: ONNX_DTYPE.float, shape: ['batch_size'] }],
    initializers: [
      ...graph.initializers,
      ...target.initializers,
      { name: lastIndex, tensor: { name: lastIndex, dataType: ONNX_DTYPE.int64, dims: [], raw: new Uint8Array(BigInt64Array.of(-1n).buffer) } },
    ],
  };
  const gradient = buildGradientGraph(withTarget, { output: target.output, seed: seedInput, wrt: [options.wrt], opsetVersion, floatType: ONNX_DTYPE.float });
  const gradientOutput = gradient.gradients[options.wrt];
  const model: IrModel = {
    ...source,
    graph: {
      ...withTarget,
      nodes: [...withTarget.nodes, ...gradient.nodes],
      initializers: [...withTarget.initializers, ...gradient.initializers],
      outputs: [
        { name: target.output, dataType: ONNX_DTYPE.float, shape: ['batch_size'] },
        { name: gradientOutput, dataType: ONNX_DTYPE.float, shape: ['batch_size', 'sequence_length', undefined] },
        ...(options.extraOutputs ?? []),
      ],
      // Shapes inferred for the original outputs no longer apply to a graph that returns others.
      valueInfo: graph.valueInfo.filter((info) => ![...graph.outputs, ...(options.extraOutputs ?? [])].some((output) => output.name === info.name)),
    },
  };
  return { model, seedInput, valueOutput: target.output, gradientOutput };
}
