import { describe, expect, it } from 'vitest';
import type { IrGraph, IrNode } from './onnx-ir';
import { pruneDeadNodes } from './prune-dead-nodes';

const node = (name: string, inputs: string[], outputs: string[], attributes: IrNode['attributes'] = {}): IrNode => ({ opType: 'Add', name, inputs, outputs, attributes });
const tensor = (name: string) => ({ name, tensor: { name, dataType: 1, dims: [], raw: new Uint8Array(4) } });

describe('pruneDeadNodes', () => {
  const graph: IrGraph = {
    name: 'g',
    inputs: [{ name: 'x', dataType: 1 }, { name: 'unused', dataType: 1 }],
    outputs: [{ name: 'y', dataType: 1 }],
    initializers: [tensor('w'), tensor('dead_w')],
    valueInfo: [{ name: 'a', dataType: 1 }, { name: 'd', dataType: 1 }],
    nodes: [node('n1', ['x', 'w'], ['a']), node('n2', ['a', 'dead_w'], ['d']), node('n3', ['a', 'a'], ['y']), node('n4', ['d', 'x'], ['e'])],
  };

  it('keeps what the outputs need, drops the rest with its initializers and value infos, keeps every graph input', () => {
    const pruned = pruneDeadNodes(graph);
    expect(pruned.nodes.map((n) => n.name)).toEqual(['n1', 'n3']);
    expect(pruned.initializers.map((i) => i.name)).toEqual(['w']);
    expect(pruned.valueInfo.map((i) => i.name)).toEqual(['a']);
    expect(pruned.inputs.map((i) => i.name)).toEqual(['x', 'unused']);
  });

  it("keeps the producers of values a live node's subgraph reads from the outer scope", () => {
    const branch: IrGraph = { name: 'then', inputs: [], outputs: [{ name: 'b_out', dataType: 1 }], initializers: [], valueInfo: [], nodes: [node('inner', ['d', 'd'], ['b_out'])] };
    const withIf: IrGraph = { ...graph, nodes: [...graph.nodes.slice(0, 2), { ...node('if', ['x'], ['y'], { then_branch: { kind: 'graph', value: branch } }), opType: 'If' }] };
    expect(pruneDeadNodes(withIf).nodes.map((n) => n.name)).toEqual(['n1', 'n2', 'if']);
  });
});
