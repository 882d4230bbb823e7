import { appendTargetGradient, cutEmbeddingLookup, type GradientModel } from './build-gradient-model';
import { ONNX_DTYPE, type IrGraph, type IrModel, type IrValueInfo } from './onnx-ir';
import type { RecordedTarget } from './onnx-target-ops';

/** How a layer-tapped model is fed and read (see {@link tapLayerValue}). */
export interface LayerTap {
  /** Graph input, float scalar: 1 keeps the layer's output, 0 drops it for the replacement. */
  readonly keepInput: string;
  /** Graph input added to the (kept or dropped) output, `[batch, sequence, hidden]`: zeros, or the replacement. */
  readonly replacementInput: string;
  /** Graph output of the layer's own output (before any replacement); absent when it is the fed embeddings. */
  readonly activationOutput?: string;
}

/** Names of the tap's values (no export uses the `layer/` prefix). */
const KEEP = 'layer/keep';
const REPLACEMENT = 'layer/replacement';
const TAPPED = 'layer/value';

/**
 * `graph` with the value `layer` (a layer's output, `[batch, sequence, hidden]`) routed through
 * `layer · keep + replacement` before every node that reads it: fed `keep = 1` and zeros the
 * model computes what it did (exactly: x · 1 + 0 = x), fed `keep = 0` and an override the layer's
 * output is replaced (x · 0 + r = r for finite x), as the layer-intervention contract asks. One
 * graph thus serves capture and replacement, and the gradient with respect to `replacement` is
 * the gradient with respect to the layer's output in both cases. The layer's own value stays
 * computed, to be returned as the activation.
 */
export function tapLayerValue(graph: IrGraph, layer: string, hidden: number, embedsInput: string): { readonly graph: IrGraph; readonly tap: LayerTap } {
  const rewired = graph.nodes.map((node) => (node.inputs.includes(layer) ? { ...node, inputs: node.inputs.map((input) => (input === layer ? TAPPED : input)) } : node));
  const kept = `${TAPPED}/kept`;
  // Right after the layer's producer (first when it is a graph input): the order stays topological.
  const at = graph.nodes.findIndex((node) => node.outputs.includes(layer)) + 1;
  return {
    graph: {
      ...graph,
      nodes: [
        ...rewired.slice(0, at),
        { opType: 'Mul', name: `${kept}/node`, inputs: [layer, KEEP], outputs: [kept], attributes: {} },
        { opType: 'Add', name: `${TAPPED}/node`, inputs: [kept, REPLACEMENT], outputs: [TAPPED], attributes: {} },
        ...rewired.slice(at),
      ],
      inputs: [
        ...graph.inputs,
        { name: KEEP, dataType: ONNX_DTYPE.float, shape: [] },
        { name: REPLACEMENT, dataType: ONNX_DTYPE.float, shape: ['batch_size', 'sequence_length', hidden] },
      ],
    },
    tap: { keepInput: KEEP, replacementInput: REPLACEMENT, ...(layer !== embedsInput && { activationOutput: layer }) },
  };
}

/** The layer forward model of {@link buildLayerForwardModel} and how to feed and read it. */
export interface LayerForwardModel extends LayerTap {
  readonly model: IrModel;
  readonly embedsInput: string;
  readonly logitsOutput: string;
}

/**
 * A decoder-only export run from given token embeddings with one layer tapped: the embedding
 * lookup is cut (as for gradients), `layer` is routed through {@link tapLayerValue}, and the model
 * returns the logits and the layer's own output.
 *
 * @param layer - the value of the layer's output (from `findLayerValues`).
 */
export function buildLayerForwardModel(
  source: IrModel,
  layer: string,
  options: { readonly hidden: number; readonly logitsOutput?: string; readonly fileName?: string },
): LayerForwardModel {
  const logitsOutput = options.logitsOutput ?? 'logits';
  const cut = cutEmbeddingLookup(source, options);
  const { graph, tap } = tapLayerValue(cut.graph, layer, options.hidden, cut.embedsInput);
  const logits = graph.outputs.find((output) => output.name === logitsOutput)!;
  const outputs = [logits, ...(tap.activationOutput ? [activationInfo(tap.activationOutput, options.hidden)] : [])];
  return {
    model: { ...source, graph: { ...graph, outputs, valueInfo: withoutOutputs(graph, outputs) } },
    embedsInput: cut.embedsInput,
    logitsOutput,
    ...tap,
  };
}

/** The gradient model of {@link buildLayerGradientModel}: a {@link GradientModel} whose gradient is with respect to the layer's output. */
export interface LayerGradientModel extends GradientModel, LayerTap {}

/**
 * The gradient model of a decoder-only export with respect to one layer's output: the embedding
 * lookup is cut, `layer` is tapped ({@link tapLayerValue}), `target` is appended to the
 * last-position logits and its gradient taken with respect to the tap's replacement input — the
 * gradient at the layer's own output (fed keep 1, zeros) or at a replacement (fed keep 0, the
 * override). The model also returns the layer's own output.
 *
 * @throws MissingCapabilityError when the lookup cannot be found or an op after the layer has no gradient rule.
 */
export function buildLayerGradientModel(
  source: IrModel,
  layer: string,
  target: RecordedTarget,
  options: { readonly hidden: number; readonly logitsOutput?: string; readonly fileName?: string },
): LayerGradientModel {
  const cut = cutEmbeddingLookup(source, { ...options, purpose: 'Gradients on ONNX Runtime need' });
  const { graph, tap } = tapLayerValue(cut.graph, layer, options.hidden, cut.embedsInput);
  const built = appendTargetGradient(source, graph, target, {
    wrt: tap.replacementInput,
    ...(options.logitsOutput !== undefined && { logitsOutput: options.logitsOutput }),
    extraOutputs: tap.activationOutput ? [activationInfo(tap.activationOutput, options.hidden)] : [],
  });
  return { ...built, embedsInput: cut.embedsInput, ...tap };
}

function activationInfo(name: string, hidden: number): IrValueInfo {
  return { name, dataType: ONNX_DTYPE.float, shape: ['batch_size', 'sequence_length', hidden] };
}

/** Value infos of `graph` minus those of its original outputs and of the new `outputs` (declared there). */
function withoutOutputs(graph: IrGraph, outputs: readonly IrValueInfo[]): IrValueInfo[] {
  const declared = new Set([...graph.outputs, ...outputs].map((output) => output.name));
  return graph.valueInfo.filter((info) => !declared.has(info.name));
}
