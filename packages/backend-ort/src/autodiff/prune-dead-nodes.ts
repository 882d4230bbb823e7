import type { IrGraph, IrNode } from './onnx-ir';

/** Every value name a subgraph (an `If` branch, a `Loop` body) mentions: outer-scope reads among them. */
function subgraphNames(node: IrNode, into: Set<string>): void {
  for (const attribute of Object.values(node.attributes)) {
    if (attribute.kind !== 'graph') continue;
    for (const inner of attribute.value.nodes) {
      for (const input of inner.inputs) into.add(input);
      subgraphNames(inner, into);
    }
    for (const output of attribute.value.outputs) into.add(output.name);
  }
}

/**
 * `graph` without the nodes no graph output depends on, and without the initializers and value
 * infos no remaining node reads. Graph inputs stay (the session is fed them whether used or not).
 *
 * A gradient rule emits the gradients of all its inputs (`MatMul` gives `dA` and `dB`) and a
 * gradient graph keeps the original outputs' computations (logits of every position, the KV
 * cache); ONNX Runtime runs every node it is given, so what no output needs — the weights'
 * gradients above all, a full matrix product per weight — must not reach it.
 */
export function pruneDeadNodes(graph: IrGraph): IrGraph {
  const live = new Set(graph.outputs.map((output) => output.name));
  const kept: IrNode[] = [];
  for (let i = graph.nodes.length - 1; i >= 0; i--) {
    const node = graph.nodes[i] as IrNode;
    if (!node.outputs.some((output) => live.has(output))) continue;
    kept.push(node);
    for (const input of node.inputs) live.add(input);
    subgraphNames(node, live);
  }
  kept.reverse();
  return {
    ...graph,
    nodes: kept,
    initializers: graph.initializers.filter((initializer) => live.has(initializer.name)),
    valueInfo: graph.valueInfo.filter((info) => live.has(info.name)),
  };
}
