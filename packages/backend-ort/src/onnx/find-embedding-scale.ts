import { floatValues } from '../autodiff/ir-tensor-values';
import { graphConstants } from './find-embedding-table';
import { allOnnxNodes, type OnnxGraph } from './read-onnx-graph';
import { onnxTensorFields } from './read-onnx-initializer';

/** The parts of a node (of the protobuf walk or of the autodiff IR) the embedding-scale rule reads. */
export interface ScaleRuleNode {
  readonly opType: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
}

/** The embedding scale `Mul` after a token-embedding lookup, and the nodes from the lookup to it. */
export interface EmbeddingScaleMul<N extends ScaleRuleNode> {
  /** The value the `Mul` multiplies the token rows by (BART/mBART/Marian's `embed_scale`). */
  readonly scale: number;
  /** The nodes between the lookup's output and the scaled embeddings, the `Mul` last. */
  readonly nodes: readonly N[];
  /** The `Mul`'s output: token embeddings × scale, the tensor Python Inseq attributes (`embed_ids`). */
  readonly output: string;
}

// Ops that carry the looked-up rows unchanged in value to the scale (fp16 graphs cast, 8-bit
// tables dequantize the gathered rows).
const rowOps: ReadonlySet<string> = new Set(['Cast', 'Identity', 'DequantizeLinear']);
// Ops between a stored scalar and the Mul that keep its value (up to the cast's rounding, which the stored value already has).
const scalarPassOps: ReadonlySet<string> = new Set(['Cast', 'Identity']);

/**
 * Finds, by structure, the embedding scale of an encoder-decoder export (HF computes
 * `embed_tokens(input_ids) * embed_scale` in BART, mBART and Marian stacks, which exports as a
 * `Mul` by a scalar right after the token `Gather`): from `lookupOutput` (the `Gather`'s output),
 * through `Cast` / `Identity` / `DequantizeLinear` nodes that are its only reader, to a `Mul` that
 * is the only reader and whose other input is a one-element constant (`scalarOf`), possibly through
 * `Cast` / `Identity` (float16 exports cast their float16 constants to float32). Undefined when
 * the rows go anywhere else first (T5, decoder-only models, a graph that folded the scale away).
 *
 * @param nodes - every node of the graph (any order).
 * @param outputs - the graph's output names (a value the graph returns is not only read by the chain).
 * @param scalarOf - the value of a one-element constant by name, or undefined.
 */
export function findEmbeddingScaleMul<N extends ScaleRuleNode>(
  nodes: readonly N[],
  outputs: readonly string[],
  lookupOutput: string,
  scalarOf: (name: string) => number | undefined,
): EmbeddingScaleMul<N> | undefined {
  const readers = new Map<string, N[]>();
  const producers = new Map<string, N>();
  for (const node of nodes) {
    for (const output of node.outputs) producers.set(output, node);
    for (const input of new Set(node.inputs)) {
      const list = readers.get(input);
      if (list) list.push(node);
      else readers.set(input, [node]);
    }
  }
  const chain: N[] = [];
  let value = lookupOutput;
  // Each step moves to a new node's output; the chain is at most as long as the graph.
  for (let step = 0; step <= nodes.length; step++) {
    const reading = readers.get(value) ?? [];
    if (reading.length !== 1 || outputs.includes(value)) return undefined;
    const node = reading[0] as N;
    const output = node.outputs[0];
    if (!output) return undefined;
    if (rowOps.has(node.opType) && node.inputs[0] === value) {
      chain.push(node);
      value = output;
      continue;
    }
    if (node.opType !== 'Mul' || node.inputs.length !== 2) return undefined;
    const other = node.inputs[0] === value ? node.inputs[1] : node.inputs[0];
    if (other === undefined || other === value) return undefined;
    // The scalar may reach the Mul through casts (a float16 constant cast to float32).
    let constant = other;
    for (let hop = 0, producer = producers.get(constant); producer && scalarPassOps.has(producer.opType) && hop < nodes.length; hop++, producer = producers.get(constant)) {
      constant = producer.inputs[0] ?? '';
    }
    const scale = scalarOf(constant);
    if (scale === undefined || !Number.isFinite(scale)) return undefined;
    return { scale, nodes: [...chain, node], output };
  }
  return undefined;
}

/**
 * {@link findEmbeddingScaleMul} on the protobuf walk of a graph (with its `If` branches), from the
 * lookup output `lookup` that `findEmbeddingTable` located: the scale, or undefined.
 */
export function onnxEmbeddingScale(graph: OnnxGraph, lookup: string): number | undefined {
  const nodes = [...allOnnxNodes(graph)].map(({ node }) => node);
  const values = graphConstants(graph);
  const scalarOf = (name: string): number | undefined => {
    const bytes = values.get(name);
    if (!bytes) return undefined;
    try {
      const data = floatValues(onnxTensorFields(bytes));
      return data.length === 1 ? data[0] : undefined;
    } catch {
      return undefined;
    }
  };
  return findEmbeddingScaleMul(nodes, graph.outputs, lookup, scalarOf)?.scale;
}
