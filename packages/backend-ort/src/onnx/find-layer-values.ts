import { escapeUntrusted } from '@inseq/core';
import type { IrGraph, IrNode } from '../autodiff/onnx-ir';

/** Where each layer's output is in a graph: layer name → value name, and the names that were not found with why. */
export interface LayerValues {
  /** Layer name → the graph value holding its output, `[batch, sequence, hidden]`, in the order asked. */
  readonly values: ReadonlyMap<string, string>;
  readonly missing: readonly { readonly name: string; readonly reason: string }[];
}

// Ops whose outputs are shapes, sizes or comparisons: no activation flows through them.
const shapeOps: ReadonlySet<string> = new Set([
  'Shape',
  'Size',
  'ConstantOfShape',
  'Equal',
  'Less',
  'LessOrEqual',
  'Greater',
  'GreaterOrEqual',
  'Not',
  'And',
  'Or',
  'Xor',
  'IsNaN',
  'IsInf',
  'ArgMax',
  'ArgMin',
  'NonZero',
]);

/**
 * The node-name scope torch.onnx gives a module: its dotted HF name split into modules, each
 * `ModuleList` index kept with its list (`transformer.h.3.attn` → `/transformer/h.3/attn/`).
 */
export function torchScope(name: string): string {
  const parts: string[] = [];
  for (const part of name.split('.')) {
    if (/^\d+$/.test(part) && parts.length > 0) parts[parts.length - 1] += `.${part}`;
    else parts.push(part);
  }
  return `/${parts.join('/')}/`;
}

/**
 * Finds, in a decoder-only graph whose nodes are named by module scope as `torch.onnx.export`
 * (and so Optimum) names them (`/transformer/h.3/attn/c_proj/Add`, `/model/layers.0/Add_1`), the
 * value holding each named module's output: the one activation (a value computed from the token
 * embeddings, not through shape or comparison ops) that a node of the module's scope produces and
 * a node outside it reads — for a block, what the next block (or the final norm) reads on the
 * residual path; for `attn` / `mlp`, what the block's residual add reads. Node names may carry a
 * prefix (a wrapper module, an inlined `If` branch): the scope is looked for anywhere in them.
 *
 * In an encoder-decoder graph joined into one (the encoder's node names prefixed `encoder/`),
 * both stacks' embeddings start activations, and a scope names its stack
 * (`/model/encoder/layers.0/` is not part of `/model/decoder/layers.0/`, T5's `/encoder/block.0/`
 * not of `/decoder/block.0/`: a scope starts at a `/`).
 *
 * @param graph - topologically ordered, with the token embeddings as values (the cut lookups' outputs).
 * @param names - HF module names in model order.
 * @param embeds - the token embeddings: one value, the output of the first name (decoder-only);
 *   or embedding layer name → value, one per stack (`model.encoder.embed_tokens` → the joined
 *   graph's source embeddings).
 */
export function findLayerValues(graph: IrGraph, names: readonly string[], embeds: string | ReadonlyMap<string, string>): LayerValues {
  const embeddingLayers: ReadonlyMap<string, string> = typeof embeds === 'string' ? new Map(names.length > 0 ? [[names[0], embeds]] : []) : embeds;
  const activations = new Set(embeddingLayers.values());
  const consumers = new Map<string, IrNode[]>();
  for (const node of graph.nodes) {
    if (!shapeOps.has(node.opType) && node.inputs.some((input) => activations.has(input))) for (const output of node.outputs) activations.add(output);
    for (const input of node.inputs) {
      if (input === '') continue;
      const readers = consumers.get(input);
      if (readers) readers.push(node);
      else consumers.set(input, [node]);
    }
  }
  const values = new Map<string, string>();
  const missing: { name: string; reason: string }[] = [];
  for (const name of names) {
    const embedding = embeddingLayers.get(name);
    if (embedding !== undefined) {
      values.set(name, embedding);
      continue;
    }
    const scope = torchScope(name);
    const inScope = (node: IrNode) => node.name.includes(scope);
    const nodes = graph.nodes.filter(inScope);
    if (nodes.length === 0) {
      missing.push({ name, reason: `no node is named under ${scope}` });
      continue;
    }
    const leaving = nodes.flatMap((node) =>
      node.outputs.filter((output) => activations.has(output) && (consumers.get(output) ?? []).some((consumer) => !inScope(consumer))),
    );
    if (leaving.length === 1) values.set(name, leaving[0]);
    else if (leaving.length === 0) missing.push({ name, reason: `no activation computed under ${scope} is read outside it` });
    else missing.push({ name, reason: `several activations computed under ${scope} are read outside it (${leaving.map((output) => escapeUntrusted(output, 80)).join(', ')})` });
  }
  return { values, missing };
}
