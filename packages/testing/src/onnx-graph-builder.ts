import type { NamedWeight } from './named-weight';
import type { OnnxAttributeValue, OnnxNodeSpec, OnnxTensorSpec } from './onnx-model-spec';

/**
 * Collects nodes and constants with unique names, so that a graph builder reads like the forward
 * pass it writes. Nodes made inside {@link GraphBuilder.within} are named as `torch.onnx.export`
 * names them, by module scope: `/transformer/h.0/attn/c_proj/Add`, then `…/Add_1` for the next
 * `Add` of that scope, outputs `<node name>_output_<i>`; nodes outside any scope get
 * `/<OpType>_<n>` from one counter.
 */
export class GraphBuilder {
  readonly nodes: OnnxNodeSpec[] = [];
  readonly initializers: OnnxTensorSpec[] = [];
  private count = 0;
  private readonly scopes: string[] = [];
  private readonly scopedCounts = new Map<string, number>();

  /**
   * Runs `build` with the nodes it makes inside module `scope`, one module's name as torch.onnx
   * writes it in node names (`transformer`, `h.0` for item 0 of the `ModuleList` `h`, `attn`);
   * calls nest (`within('transformer', () => within('h.0', …))` names `/transformer/h.0/…`).
   */
  within<T>(scope: string, build: () => T): T {
    this.scopes.push(scope);
    try {
      return build();
    } finally {
      this.scopes.pop();
    }
  }

  /**
   * Runs `build` with the nodes it makes inside the module of dotted Hugging Face name `hfName`
   * (`model.encoder.layers.0.self_attn.q_proj`), whatever scope encloses the call: the scope is
   * the name's modules as torch.onnx writes them, each `ModuleList` index kept with its list
   * (`/model/encoder/layers.0/self_attn/q_proj/MatMul`). So a helper given a module's full name
   * (a linear, a norm) names its nodes right wherever it is called from.
   */
  module<T>(hfName: string, build: () => T): T {
    const parts: string[] = [];
    for (const part of hfName.split('.')) {
      if (/^\d+$/.test(part) && parts.length > 0) parts[parts.length - 1] += `.${part}`;
      else parts.push(part);
    }
    const saved = this.scopes.splice(0, this.scopes.length, ...parts);
    try {
      return build();
    } finally {
      this.scopes.splice(0, this.scopes.length, ...saved);
    }
  }

  private nodeName(opType: string): string {
    if (this.scopes.length === 0) return `/${opType}_${this.count++}`;
    const base = `/${this.scopes.join('/')}/${opType}`;
    const seen = this.scopedCounts.get(base) ?? 0;
    this.scopedCounts.set(base, seen + 1);
    return seen === 0 ? base : `${base}_${seen}`;
  }

  op(opType: string, inputs: string[], attributes?: Record<string, OnnxAttributeValue>, outputCount = 1): string[] {
    const name = this.nodeName(opType);
    const outputs = Array.from({ length: outputCount }, (_, i) => `${name}_output_${i}`);
    this.nodes.push({ opType, inputs, outputs, name, ...(attributes && { attributes }) });
    return outputs;
  }

  one(opType: string, inputs: string[], attributes?: Record<string, OnnxAttributeValue>, output?: string): string {
    const [generated] = this.op(opType, inputs, attributes);
    if (output === undefined) return generated;
    this.nodes[this.nodes.length - 1].outputs = [output];
    return output;
  }

  /** Adds an initializer once: asking again for the same name (same type and shape) reuses it. */
  constant(name: string, dataType: OnnxTensorSpec['dataType'], dims: number[], data: OnnxTensorSpec['data']): string {
    const existing = this.initializers.find((initializer) => initializer.name === name);
    if (existing) {
      if (existing.dataType !== dataType || existing.dims.join() !== dims.join()) {
        throw new Error(`GraphBuilder: constant '${name}' was added as ${existing.dataType} [${existing.dims}] and again as ${dataType} [${dims}].`);
      }
      return name;
    }
    this.initializers.push({ name, dataType, dims, data });
    return name;
  }

  weight(name: string, weight: NamedWeight): string {
    return this.constant(name, 'float', weight.shape, weight.data);
  }
}

