import { MissingCapabilityError } from '@inseq/core';
import { indexOps } from '../onnx/find-embedding-table';
import { onnxTensorFields } from '../onnx/read-onnx-initializer';
import { buildGradientGraph } from './gradient-builder';
import { inferShapes } from './infer-shapes';
import { type IrGraph, type IrModel, type IrNode, type IrValueInfo, ONNX_DTYPE } from './onnx-ir';
import type { RecordedTarget } from './onnx-target-ops';
import { pruneDeadNodes } from './prune-dead-nodes';

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
      inputs: [...fedShapes(graph.inputs, options.idsInput ?? 'input_ids'), { name: embeds, dataType: ONNX_DTYPE.float, shape: embedsShape(graph, gather, options.idsInput ?? 'input_ids') }],
      valueInfo: graph.valueInfo.filter((info) => info.name !== embeds),
    },
    embedsInput: embeds,
  };
}

/**
 * The declared shape of the embeddings that replace `gather`'s output: the ids input's
 * `[batch, sequence]` dims (so shapes inferred downstream share their symbols) and the table's
 * hidden size where the table is an initializer.
 */
function embedsShape(graph: IrGraph, gather: IrNode, idsInput: string): (number | string | undefined)[] {
  const ids = graph.inputs.find((input) => input.name === idsInput)?.shape;
  const table = graph.initializers.find((initializer) => initializer.name === gather.inputs[0]);
  const hidden = table === undefined ? undefined : ('tensor' in table ? table.tensor.dims : onnxTensorFields(table.proto).dims)[1];
  return [ids?.[0] ?? 'batch_size', ids?.[1] ?? 'sequence_length', hidden];
}

/**
 * `inputs` with the shapes the cut graph is always fed: an empty KV cache (`past_key_values.*`
 * with a sequence axis of 0) and an attention mask as long as the ids; so the shapes inferred for
 * the gradient builder see that keys and queries have the same length.
 */
function fedShapes(inputs: readonly IrValueInfo[], idsInput: string): IrValueInfo[] {
  const ids = inputs.find((input) => input.name === idsInput)?.shape;
  return inputs.map((input) => {
    if (input.name === 'attention_mask' && ids) return { ...input, shape: [...ids] };
    if (input.name.startsWith('past_key_values') && input.shape?.length === 4) return { ...input, shape: input.shape.map((dim, axis) => (axis === 2 ? 0 : dim)) };
    return input;
  });
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
  return { model: { ...source, graph: pruneDeadNodes({ ...graph, outputs: [logits] }) }, embedsInput, logitsOutput };
}

const UNARY_POSITIONWISE = new Set(['Identity', 'Cast', 'Neg', 'Tanh', 'Sigmoid', 'Relu', 'Erf', 'Exp', 'Log', 'Sqrt', 'Reciprocal', 'Abs']);
const BINARY_POSITIONWISE = new Set(['Add', 'Sub', 'Mul', 'Div']);
const NORMS = new Set(['LayerNormalization', 'SimplifiedLayerNormalization', 'RMSNormalization']);

/**
 * The last position's logits, `[batch, vocab]`, computed by taking the last position before the
 * position-wise ops that end the graph (final norm, LM head `MatMul` with a constant weight,
 * bias, logit soft-capping) rather than after: the head's matrix product and its gradient then
 * run on one position instead of every position, which for a real vocabulary is most of a step's
 * work. Where the ops before `logits` are not known to be position-wise, the last position is taken
 * from `logits` itself.
 */
function lastPositionLogits(graph: IrGraph, logitsOutput: string, lastIndex: string, prefix: string): { nodes: IrNode[]; output: string } {
  const shapes = inferShapes(graph);
  const producers = new Map<string, IrNode>();
  for (const node of graph.nodes) for (const output of node.outputs) producers.set(output, node);
  // Values computed from initializers alone (a tied head's `Transpose` of the embedding table, a `Constant`).
  const constants = new Set(graph.initializers.map((initializer) => initializer.name));
  for (const node of graph.nodes) {
    if (node.inputs.every((input) => input === '' || constants.has(input)) && !Object.values(node.attributes).some((a) => a.kind === 'graph')) {
      for (const output of node.outputs) constants.add(output);
    }
  }
  const constant = (value: string): boolean => constants.has(value);
  const rank = (value: string) => shapes.shapeOf(value)?.length;
  /** The input that carries positions when `node` treats each position alike; `undefined` otherwise. */
  const positionwiseInput = (node: IrNode): number | undefined => {
    if (node.outputs.filter((output) => output !== '').length !== 1 || node.domain) return undefined;
    if (UNARY_POSITIONWISE.has(node.opType)) return 0;
    if (node.opType === 'MatMul') return constant(node.inputs[1] ?? '') && rank(node.inputs[1] ?? '') === 2 ? 0 : undefined;
    if (BINARY_POSITIONWISE.has(node.opType)) {
      const [a, b] = node.inputs as [string, string];
      if (constant(b) && (rank(b) ?? 9) <= 1) return 0;
      if (constant(a) && (rank(a) ?? 9) <= 1) return 1;
      return undefined;
    }
    if (NORMS.has(node.opType)) {
      const axis = node.attributes.axis;
      const lastAxis = axis === undefined || (axis.kind === 'int' && axis.value === -1);
      return lastAxis && node.inputs.slice(1).every((input) => input === '' || constant(input)) ? 0 : undefined;
    }
    return undefined;
  };
  const chain: { node: IrNode; at: number }[] = [];
  let value = logitsOutput;
  for (;;) {
    const node = producers.get(value);
    const at = node && positionwiseInput(node);
    if (!node || at === undefined || rank(node.inputs[at] as string) !== 3) break;
    chain.push({ node, at });
    value = node.inputs[at] as string;
  }
  const gathered = `${prefix}${value}`;
  const nodes: IrNode[] = [{ opType: 'Gather', name: `${gathered}/node`, inputs: [value, lastIndex], outputs: [gathered], attributes: { axis: { kind: 'int', value: 1 } } }];
  let current = gathered;
  for (const { node, at } of chain.reverse()) {
    const output = `${prefix}${node.outputs.find((name) => name !== '')}`;
    nodes.push({ ...node, name: `${prefix}${node.name}`, inputs: node.inputs.map((input, i) => (i === at ? current : input)), outputs: node.outputs.map((name) => (name === '' ? '' : output)) });
    current = output;
  }
  return { nodes, output: current };
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
 * `graph` (a cut export of `source`, or an encoder-decoder export joined from embeddings) with
 * `target` appended to its last-position logits (`lastPositionLogits`: the position-wise tail
 * runs on one position) and one reverse-mode gradient graph of the target with respect to every
 * value of `wrt` (graph inputs: embeddings, a layer tap's replacement); nodes no output needs are
 * pruned. Its outputs become the target's value, the gradient of each `wrt` in order (declared
 * with that input's shape), then `extraOutputs`.
 */
export function appendTargetGradient(
  source: IrModel,
  graph: IrGraph,
  target: RecordedTarget,
  options: { readonly wrt: string | readonly string[]; readonly logitsOutput?: string; readonly extraOutputs?: readonly IrValueInfo[] },
): Omit<GradientModel, 'embedsInput'> & {
  /** `wrt` value → the graph output of the target's gradient with respect to it (`gradientOutput` is the first's). */
  readonly gradientOutputs: Readonly<Record<string, string>>;
} {
  const wrt = typeof options.wrt === 'string' ? [options.wrt] : options.wrt;
  const logitsOutput = options.logitsOutput ?? 'logits';
  const opsetVersion = source.opsetImports[''] ?? source.opsetImports['ai.onnx'] ?? 13;
  const lastIndex = 'target/last_position';
  const seedInput = 'grad/seed';
  const last = lastPositionLogits(graph, logitsOutput, lastIndex, 'target/last/');
  const lastLogits = last.output;
  const withTarget: IrGraph = {
    ...graph,
    nodes: [
      ...graph.nodes,
      ...last.nodes,
      ...target.nodes.map((node) => ({ ...node, inputs: node.inputs.map((input) => (input === 'target/logits' ? lastLogits : input)) })),
    ],
    inputs: [...graph.inputs, ...target.inputs, { name: seedInput, dataType: ONNX_DTYPE.float, shape: ['batch_size'] }],
    initializers: [
      ...graph.initializers,
      ...target.initializers,
      { name: lastIndex, tensor: { name: lastIndex, dataType: ONNX_DTYPE.int64, dims: [], raw: new Uint8Array(BigInt64Array.of(-1n).buffer) } },
    ],
  };
  const gradient = buildGradientGraph(withTarget, { output: target.output, seed: seedInput, wrt: [...wrt], opsetVersion, floatType: ONNX_DTYPE.float });
  const gradientOutputs = Object.fromEntries(wrt.map((name) => [name, gradient.gradients[name] as string]));
  const model: IrModel = {
    ...source,
    // Only what the outputs need: not the weights' gradients, not the other positions' logits or the KV cache.
    graph: pruneDeadNodes({
      ...withTarget,
      nodes: [...withTarget.nodes, ...gradient.nodes],
      initializers: [...withTarget.initializers, ...gradient.initializers],
      outputs: [
        { name: target.output, dataType: ONNX_DTYPE.float, shape: ['batch_size'] },
        ...wrt.map((name) => ({
          name: gradientOutputs[name] as string,
          dataType: ONNX_DTYPE.float,
          shape: graph.inputs.find((input) => input.name === name)?.shape ?? ['batch_size', 'sequence_length', undefined],
        })),
        ...(options.extraOutputs ?? []),
      ],
      // Shapes inferred for the original outputs no longer apply to a graph that returns others.
      valueInfo: graph.valueInfo.filter((info) => ![...graph.outputs, ...(options.extraOutputs ?? [])].some((output) => output.name === info.name)),
    }),
  };
  return { model, seedInput, valueOutput: target.output, gradientOutput: gradientOutputs[wrt[0] as string] as string, gradientOutputs };
}
