import { describe, expect, it } from 'vitest';
import type { IrGraph, IrNode } from '../autodiff/onnx-ir';
import { findLayerValues, torchScope } from './find-layer-values';

const node = (name: string, opType: string, inputs: string[], outputs: string[]): IrNode => ({ name, opType, inputs, outputs, attributes: {} });
const graph = (nodes: IrNode[]): IrGraph => ({ name: 'g', nodes, inputs: [], outputs: [], initializers: [], valueInfo: [] });

describe('findLayerValues', () => {
  it('maps HF module names to torch.onnx scopes, ModuleList indices kept with their list', () => {
    expect(torchScope('transformer.h.3.attn')).toBe('/transformer/h.3/attn/');
    expect(torchScope('model.layers.10')).toBe('/model/layers.10/');
    expect(torchScope('model.norm')).toBe('/model/norm/');
  });

  it("finds the activation leaving each module's scope, behind a wrapper or branch prefix, not a shape read outside it", () => {
    const found = findLayerValues(
      graph([
        node('/model/model/layers.0/mlp/MatMul', 'MatMul', ['embeds', 'w'], ['mlp_out']),
        // A shape computed in the scope and read outside is no activation.
        node('/model/model/layers.0/mlp/Shape', 'Shape', ['mlp_out'], ['mlp_shape']),
        node('/model/model/layers.0/Add', 'Add', ['embeds', 'mlp_out'], ['block_out']),
        node('/model/model/layers.0/Reshape', 'Reshape', ['block_out', 'mlp_shape'], ['reshaped']),
        node('/model/model/norm/Mul', 'Mul', ['reshaped', 'g'], ['normed']),
        node('/lm_head/MatMul', 'MatMul', ['normed', 'head'], ['logits']),
      ]),
      ['model.embed_tokens', 'model.layers.0', 'model.layers.0.mlp', 'model.norm', 'model.layers.1'],
      'embeds',
    );
    expect([...found.values]).toEqual([
      ['model.embed_tokens', 'embeds'],
      ['model.layers.0', 'reshaped'],
      ['model.layers.0.mlp', 'mlp_out'],
      ['model.norm', 'normed'],
    ]);
    expect(found.missing).toEqual([{ name: 'model.layers.1', reason: 'no node is named under /model/layers.1/' }]);
  });

  it('reports a module with several activations leaving it, or none', () => {
    const found = findLayerValues(
      graph([
        node('/transformer/h.0/attn/Split', 'Split', ['embeds'], ['a', 'b']),
        node('/transformer/h.0/Add', 'Add', ['a', 'b'], ['sum']),
        node('/transformer/h.0/mlp/Constant', 'Constant', [], ['c']),
        node('/transformer/h.0/Mul', 'Mul', ['sum', 'c'], ['out']),
      ]),
      ['transformer.wte', 'transformer.h.0.attn', 'transformer.h.0.mlp'],
      'embeds',
    );
    expect(found.missing).toEqual([
      { name: 'transformer.h.0.attn', reason: 'several activations computed under /transformer/h.0/attn/ are read outside it (a, b)' },
      { name: 'transformer.h.0.mlp', reason: 'no activation computed under /transformer/h.0/mlp/ is read outside it' },
    ]);
  });
});
