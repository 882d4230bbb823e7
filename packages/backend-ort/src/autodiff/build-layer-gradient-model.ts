import { appendTargetGradient, cutEmbeddingLookup, type GradientModel } from './build-gradient-model';
import type { Seq2SeqEmbedsModel } from './build-seq2seq-gradient-model';
import { inferShapes } from './infer-shapes';
import { type IrGraph, type IrModel, type IrValueInfo, ONNX_DTYPE } from './onnx-ir';
import type { RecordedTarget } from './onnx-target-ops';
import { pruneDeadNodes } from './prune-dead-nodes';

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
export function tapLayerValue(
  graph: IrGraph,
  layer: string,
  hidden: number,
  embedsInput: string,
  /** The replacement input's declared shape. @defaultValue ['batch_size', 'sequence_length', hidden] */
  shape: IrValueInfo['shape'] = ['batch_size', 'sequence_length', hidden],
): { readonly graph: IrGraph; readonly tap: LayerTap } {
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
        { name: REPLACEMENT, dataType: ONNX_DTYPE.float, shape },
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

function activationInfo(name: string, hidden: number, shape: IrValueInfo['shape'] = ['batch_size', 'sequence_length', hidden]): IrValueInfo {
  return { name, dataType: ONNX_DTYPE.float, shape };
}

/** Which stack of an encoder-decoder model a layer belongs to: its output spans the source (`encoder`) or the decoder prefix. */
export type LayerStack = 'encoder' | 'decoder';

/**
 * The shape of `layer` in the joined graph, as shape inference gives it (so the tap's `Add` and
 * its gradient see the layer's own symbols); `[batch_size, <stack>_sequence_length, hidden]`
 * where it cannot be told.
 */
function stackLayerShape(joined: Seq2SeqEmbedsModel, layer: string, hidden: number, stack: LayerStack): IrValueInfo['shape'] {
  const inferred = inferShapes(joined.model.graph).shapeOf(layer);
  if (inferred?.length === 3 && inferred.every((dim) => typeof dim === 'number' || !dim.startsWith('?'))) return [inferred[0], inferred[1], hidden];
  return ['batch_size', `${stack}_sequence_length`, hidden];
}

/** The layer-tapped joined graph of {@link buildSeq2SeqLayerForwardModel} / {@link buildSeq2SeqLayerGradientModel}. */
function tapSeq2SeqLayer(joined: Seq2SeqEmbedsModel, layer: string, options: { readonly hidden: number; readonly stack: LayerStack }) {
  const shape = stackLayerShape(joined, layer, options.hidden, options.stack);
  const embeds = options.stack === 'encoder' ? joined.encoderEmbedsInput : joined.decoderEmbedsInput;
  const { graph, tap } = tapLayerValue(joined.model.graph, layer, options.hidden, embeds, shape);
  return { graph, tap, activation: tap.activationOutput ? [activationInfo(tap.activationOutput, options.hidden, shape)] : [] };
}

/** The layer forward model of an encoder-decoder export ({@link buildSeq2SeqLayerForwardModel}) and how to feed and read it. */
export interface Seq2SeqLayerForwardModel extends LayerTap {
  readonly model: IrModel;
  readonly logitsOutput: string;
}

/**
 * An encoder-decoder export joined from embeddings (`joinSeq2SeqForEmbeds`) with one layer of
 * either stack tapped ({@link tapLayerValue}: keep 1 and zeros capture, keep 0 and an override
 * replace): returns the logits and the layer's own output, `[batch, sourceLength, hidden]` for
 * an encoder layer, `[batch, sequenceLength, hidden]` for a decoder one. An encoder layer's
 * replacement flows on through the rest of the encoder and the decoder's cross-attention.
 *
 * @param layer - the value of the layer's output in the joined graph (from `findLayerValues`).
 */
export function buildSeq2SeqLayerForwardModel(
  joined: Seq2SeqEmbedsModel,
  layer: string,
  options: { readonly hidden: number; readonly stack: LayerStack },
): Seq2SeqLayerForwardModel {
  const { graph, tap, activation } = tapSeq2SeqLayer(joined, layer, options);
  const logits = graph.outputs.find((output) => output.name === joined.logitsOutput)!;
  const outputs = [logits, ...activation];
  return {
    model: { ...joined.model, graph: pruneDeadNodes({ ...graph, outputs, valueInfo: withoutOutputs(graph, outputs) }) },
    logitsOutput: joined.logitsOutput,
    ...tap,
  };
}

/**
 * The gradient model of an encoder-decoder export with respect to one layer's output: the joined
 * graph, tapped at `layer`, with `target` appended to the last decoder position's logits and its
 * gradient taken with respect to the tap's replacement (`appendTargetGradient`); it also returns
 * the layer's own output.
 *
 * @throws MissingCapabilityError when an op after the layer has no gradient rule.
 */
export function buildSeq2SeqLayerGradientModel(
  joined: Seq2SeqEmbedsModel,
  layer: string,
  target: RecordedTarget,
  options: { readonly hidden: number; readonly stack: LayerStack },
): Omit<GradientModel, 'embedsInput'> & LayerTap {
  const { graph, tap, activation } = tapSeq2SeqLayer(joined, layer, options);
  const built = appendTargetGradient(joined.model, graph, target, { wrt: tap.replacementInput, logitsOutput: joined.logitsOutput, extraOutputs: activation });
  return { ...built, ...tap };
}

/** Value infos of `graph` minus those of its original outputs and of the new `outputs` (declared there). */
function withoutOutputs(graph: IrGraph, outputs: readonly IrValueInfo[]): IrValueInfo[] {
  const declared = new Set([...graph.outputs, ...outputs].map((output) => output.name));
  return graph.valueInfo.filter((info) => !declared.has(info.name));
}
