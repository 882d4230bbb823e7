import type { NamedWeight } from './named-weight';
import type { OnnxAttributeValue, OnnxNodeSpec, OnnxTensorSpec } from './onnx-model-spec';

/** Collects nodes and constants with unique names, so that a graph builder reads like the forward pass it writes. */
export class GraphBuilder {
  readonly nodes: OnnxNodeSpec[] = [];
  readonly initializers: OnnxTensorSpec[] = [];
  private count = 0;

  op(opType: string, inputs: string[], attributes?: Record<string, OnnxAttributeValue>, outputCount = 1): string[] {
    const name = `/${opType}_${this.count++}`;
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

