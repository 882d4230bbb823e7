import type { IrGraph, IrInitializer, IrModel, IrNode } from './onnx-ir';

/**
 * The model with every top-level `If` on the graph input `condition` replaced by the nodes of the
 * branch that `value` selects (Optimum's merged decoders: `If(use_cache_branch)`; with no cache
 * fed, the `else_branch` runs). Branch-local values and initializers get the prefix
 * `<If node name>/` so they cannot clash with the outer graph; values the branch reads from the
 * outer graph keep their names; branch outputs become the `If`'s outputs (an `Identity` where a
 * branch returns an outer value unchanged). The `condition` input stays declared, so the same
 * feeds still apply. Differentiating the result needs no rule for `If`.
 */
export function specializeIf(model: IrModel, condition: string, value: boolean): IrModel {
  const graph = model.graph;
  const nodes: IrNode[] = [];
  const initializers: IrInitializer[] = [...graph.initializers];
  for (const node of graph.nodes) {
    const attribute = node.attributes[value ? 'then_branch' : 'else_branch'];
    if (node.opType !== 'If' || node.inputs[0] !== condition || attribute?.kind !== 'graph') {
      nodes.push(node);
      continue;
    }
    inline(attribute.value, node, nodes, initializers);
  }
  return { ...model, graph: { ...graph, nodes, initializers } };
}

function inline(branch: IrGraph, node: IrNode, nodes: IrNode[], initializers: IrInitializer[]): void {
  const prefix = `${node.name || 'if'}/`;
  const local = new Set<string>([...branch.initializers.map((init) => init.name), ...branch.nodes.flatMap((n) => n.outputs)]);
  const outputOf = new Map<string, string>();
  const passthrough: [string, string][] = [];
  branch.outputs.forEach((output, i) => {
    const target = node.outputs[i];
    if (!target) return;
    // A branch output produced by a branch node is renamed to the If's output; an outer value is copied.
    if (branch.nodes.some((n) => n.outputs.includes(output.name)) && !outputOf.has(output.name)) outputOf.set(output.name, target);
    else passthrough.push([output.name, target]);
  });
  const rename = (name: string) => (name === '' || !local.has(name) ? name : (outputOf.get(name) ?? `${prefix}${name}`));
  for (const init of branch.initializers) {
    const name = rename(init.name);
    initializers.push('tensor' in init ? { name, tensor: { ...init.tensor, name } } : { name, proto: init.proto });
  }
  for (const inner of branch.nodes) {
    nodes.push({ ...inner, name: `${prefix}${inner.name}`, inputs: inner.inputs.map(rename), outputs: inner.outputs.map(rename) });
  }
  for (const [from, to] of passthrough) nodes.push({ opType: 'Identity', name: `${prefix}passthrough/${to}`, inputs: [rename(from)], outputs: [to], attributes: {} });
}
