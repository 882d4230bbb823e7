import { MissingCapabilityError } from '@inseq/core';
import { findEmbeddingScaleMul } from '../onnx/find-embedding-scale';
import { appendTargetGradient, findEmbeddingGather } from './build-gradient-model';
import { floatValues, tensorFields } from './ir-tensor-values';
import { type IrGraph, type IrInitializer, type IrModel, type IrNode, type IrValueInfo, ONNX_DTYPE } from './onnx-ir';
import type { RecordedTarget } from './onnx-target-ops';

/** Where the joined graph comes from, for messages. */
export interface Seq2SeqModelNames {
  /** @defaultValue 'encoder_model.onnx' */
  readonly encoderFile?: string;
  /** @defaultValue 'decoder_model.onnx' */
  readonly decoderFile?: string;
}

/**
 * An encoder-decoder export joined into one graph that runs from token embeddings on both sides:
 * the encoder's nodes (names prefixed, see {@link encoderPrefix}) feed its `last_hidden_state`
 * into the decoder's `encoder_hidden_states`; both token-embedding lookups are cut so the
 * attributed tensors (the `Gather`'s output, or the output of the embedding scale `Mul` after it)
 * are graph inputs.
 */
export interface Seq2SeqEmbedsModel {
  readonly model: IrModel;
  /** Prefix of every name that came from the encoder graph. */
  readonly encoderPrefix: string;
  /** Graph input of the source's token ids `[batch, sourceLength]` (still read for shapes by some exports). */
  readonly encoderIdsInput: string;
  /** Graph input of the source's 0/1 mask, `[batch, sourceLength]`: the encoder's `attention_mask` and the decoder's `encoder_attention_mask` in one. */
  readonly encoderMaskInput: string;
  /** Source token embeddings, after the embedding scale `Mul` when the graph has one (else the `Gather`'s output), `[batch, sourceLength, hidden]`. */
  readonly encoderEmbedsInput: string;
  /** Decoder token embeddings, after the embedding scale `Mul` when the graph has one (else the `Gather`'s output), `[batch, sequenceLength, hidden]`. */
  readonly decoderEmbedsInput: string;
  /** The embedding scale each side's cut removed (1 without a scale `Mul`): the fed embeddings are the table's rows × this. */
  readonly embedScales: { readonly encoder: number; readonly decoder: number };
  /** The decoder's logits, `[batch, sequenceLength, vocab]`. */
  readonly logitsOutput: string;
}

/** The gradient model of an encoder-decoder export for one kind of target, and how to feed it. */
export interface Seq2SeqGradientModel extends Omit<Seq2SeqEmbedsModel, 'logitsOutput'> {
  /** Graph input of the incoming gradient of the target, `[batch]` (ones). */
  readonly seedInput: string;
  /** The target's value, `[batch]`. */
  readonly valueOutput: string;
  /** d target / d decoder token embeddings, `[batch, sequenceLength, hidden]`. */
  readonly gradientOutput: string;
  /** d target / d source token embeddings, `[batch, sourceLength, hidden]`. */
  readonly encoderGradientOutput: string;
}

const aiOnnx = (model: IrModel): number | undefined => model.opsetImports[''] ?? model.opsetImports['ai.onnx'];

/** Every name a graph uses (values, nodes, initializers), top level only. */
function namesOf(graph: IrGraph): Set<string> {
  const names = new Set<string>();
  for (const node of graph.nodes) {
    names.add(node.name);
    for (const name of [...node.inputs, ...node.outputs]) names.add(name);
  }
  for (const info of [...graph.inputs, ...graph.outputs, ...graph.valueInfo, ...graph.initializers]) names.add(info.name);
  return names;
}

/** The value of a one-element float constant of `graph` (an initializer or a `Constant` node's `value`), or undefined. */
function irScalar(graph: IrGraph): (name: string) => number | undefined {
  const read = (tensor: Parameters<typeof tensorFields>[0]): number | undefined => {
    try {
      const values = floatValues(tensorFields(tensor));
      return values.length === 1 ? values[0] : undefined;
    } catch {
      return undefined;
    }
  };
  return (name) => {
    const initializer = graph.initializers.find((init) => init.name === name);
    if (initializer) return read(initializer);
    const constant = graph.nodes.find((node) => node.opType === 'Constant' && node.outputs[0] === name);
    const value = constant?.attributes.value;
    return value?.kind === 'tensor' ? read(value.value) : undefined;
  };
}

/** The lookup of a side to cut: the `Gather` and, when one follows it, the embedding scale `Mul` (with what lies between). */
function lookupToCut(graph: IrGraph, gather: IrNode): { nodes: ReadonlySet<IrNode>; output: string; scale: number } {
  const mul = findEmbeddingScaleMul(graph.nodes, graph.outputs.map((output) => output.name), gather.outputs[0] as string, irScalar(graph));
  if (!mul) return { nodes: new Set([gather]), output: gather.outputs[0] as string, scale: 1 };
  return { nodes: new Set([gather, ...mul.nodes]), output: mul.output, scale: mul.scale };
}

/** Every value name read by `nodes` or by the nodes of their subgraphs. */
function usedNames(nodes: readonly IrNode[], into = new Set<string>()): Set<string> {
  for (const node of nodes) {
    for (const input of node.inputs) into.add(input);
    for (const attribute of Object.values(node.attributes)) if (attribute.kind === 'graph') usedNames(attribute.value.nodes, into);
  }
  return into;
}

/**
 * Joins the encoder and decoder graphs of an export (the decoder already without an `If`, see
 * `specializeIf`) into one graph from token embeddings to the decoder's logits:
 *
 * - the encoder's names get a prefix no decoder name starts with (`encoder/`), except its
 *   `attention_mask` input, which becomes the decoder's `encoder_attention_mask` (both are the
 *   source mask);
 * - the encoder's `last_hidden_state` feeds `encoder_hidden_states` (an `Identity`), which is no
 *   longer a graph input;
 * - the token-embedding lookup of each side is cut: on BART, mBART and Marian exports the
 *   embedding scale is a `Mul` right after the `Gather` (`findEmbeddingScaleMul`), and the cut
 *   removes both, so the fed embeddings are the table's rows × `embed_scale`, the tensor Python
 *   Inseq attributes and `embed` returns (as on tfjs; docs/attributed-embeddings.md); T5 has no
 *   scale, and its `Gather`'s output is fed.
 *
 * Only `logits` is returned. Both graphs must import the same ai.onnx opset (Optimum exports do).
 *
 * @throws MissingCapabilityError when a side has no token-embedding lookup, the graphs lack the
 *   Optimum names (`last_hidden_state`, `encoder_hidden_states`, `logits`), the opsets differ or
 *   the encoder has subgraphs.
 */
export function joinSeq2SeqForEmbeds(encoder: IrModel, decoder: IrModel, names: Seq2SeqModelNames = {}): Seq2SeqEmbedsModel {
  const encoderFile = names.encoderFile ?? 'encoder_model.onnx';
  const decoderFile = names.decoderFile ?? 'decoder_model.onnx';
  const encoderOpset = aiOnnx(encoder) ?? 13;
  const decoderOpset = aiOnnx(decoder) ?? 13;
  if (encoderOpset !== decoderOpset) {
    throw new MissingCapabilityError(
      `Gradients of an encoder-decoder export need its encoder and decoder at the same ai.onnx opset; ${encoderFile} imports ${encoderOpset} and ${decoderFile} ${decoderOpset}. Export both again with one --opset.`,
    );
  }
  const logitsOutput = 'logits';
  const checks: [boolean, string][] = [
    [encoder.graph.outputs.some((output) => output.name === 'last_hidden_state'), `${encoderFile} has no output 'last_hidden_state'`],
    [encoder.graph.inputs.some((input) => input.name === 'attention_mask'), `${encoderFile} has no input 'attention_mask'`],
    [decoder.graph.inputs.some((input) => input.name === 'encoder_hidden_states'), `${decoderFile} has no input 'encoder_hidden_states'`],
    [decoder.graph.outputs.some((output) => output.name === logitsOutput), `${decoderFile} has no output '${logitsOutput}'`],
    [!encoder.graph.nodes.some((node) => Object.values(node.attributes).some((value) => value.kind === 'graph')), `${encoderFile} has subgraphs (If / Loop), which are not differentiated`],
  ];
  const failed = checks.filter(([ok]) => !ok).map(([, reason]) => reason);
  if (failed.length > 0) throw new MissingCapabilityError(`Gradients on ONNX Runtime need an Optimum encoder-decoder export: ${failed.join('; ')}.`);
  const encoderGather = findEmbeddingGather(encoder.graph);
  const decoderGather = findEmbeddingGather(decoder.graph);
  if (!encoderGather || !decoderGather) {
    throw new MissingCapabilityError(
      `Gradients on ONNX Runtime need the token-embedding lookup (a Gather of input_ids) of ${[!encoderGather && encoderFile, !decoderGather && decoderFile].filter(Boolean).join(' and ')}, and none was found.`,
    );
  }

  const decoderNames = namesOf(decoder.graph);
  let encoderPrefix = 'encoder/';
  for (let n = 1; [...decoderNames].some((name) => name.startsWith(encoderPrefix)); n++) encoderPrefix = `encoder_${n}/`;
  const encoderMaskInput = 'encoder_attention_mask';
  const rename = (name: string): string => (name === '' ? name : name === 'attention_mask' ? encoderMaskInput : `${encoderPrefix}${name}`);
  const renameInfo = (info: IrValueInfo): IrValueInfo => ({ ...info, name: rename(info.name) });
  const renameInitializer = (init: IrInitializer): IrInitializer =>
    'tensor' in init ? { name: rename(init.name), tensor: { ...init.tensor, name: rename(init.name) } } : { name: rename(init.name), proto: init.proto };
  const encoderCut = lookupToCut(encoder.graph, encoderGather);
  const decoderCut = lookupToCut(decoder.graph, decoderGather);
  const encoderNodes: IrNode[] = encoder.graph.nodes
    .filter((node) => !encoderCut.nodes.has(node))
    .map((node) => ({ ...node, name: rename(node.name), inputs: node.inputs.map(rename), outputs: node.outputs.map(rename) }));

  const encoderEmbedsInput = rename(encoderCut.output);
  const decoderEmbedsInput = decoderCut.output;
  const encoderIdsInput = rename('input_ids');
  const states = rename('last_hidden_state');
  const embedsInfo = (name: string, length: string): IrValueInfo => ({ name, dataType: ONNX_DTYPE.float, shape: ['batch_size', length, undefined] });
  // Shapes inferred for either graph's original outputs no longer apply once only logits are returned.
  const outputNames = new Set([...encoder.graph.outputs.map((output) => rename(output.name)), ...decoder.graph.outputs.map((output) => output.name)]);
  const nodes: IrNode[] = [
    ...encoderNodes,
    { opType: 'Identity', name: `${encoderPrefix}to_encoder_hidden_states`, inputs: [states], outputs: ['encoder_hidden_states'], attributes: {} },
    ...decoder.graph.nodes.filter((node) => !decoderCut.nodes.has(node)),
  ];
  // The encoder's table is read only by the cut Gather (each graph of an export has its own copy): dropped.
  const used = usedNames(nodes);
  const graph: IrGraph = {
    name: decoder.graph.name,
    nodes,
    inputs: [
      ...encoder.graph.inputs.filter((input) => input.name !== 'attention_mask').map(renameInfo),
      ...decoder.graph.inputs.filter((input) => input.name !== 'encoder_hidden_states'),
      embedsInfo(encoderEmbedsInput, 'encoder_sequence_length'),
      embedsInfo(decoderEmbedsInput, 'decoder_sequence_length'),
    ],
    outputs: decoder.graph.outputs.filter((output) => output.name === logitsOutput),
    initializers: [...encoder.graph.initializers.map(renameInitializer), ...decoder.graph.initializers].filter((init) => used.has(init.name)),
    valueInfo: [...encoder.graph.valueInfo.map(renameInfo), ...decoder.graph.valueInfo].filter(
      (info) => !outputNames.has(info.name) && info.name !== encoderEmbedsInput && info.name !== decoderEmbedsInput && info.name !== 'encoder_hidden_states',
    ),
    ...((encoder.graph.sparseInitializers?.length || decoder.graph.sparseInitializers?.length) && {
      sparseInitializers: [...(encoder.graph.sparseInitializers ?? []), ...(decoder.graph.sparseInitializers ?? [])],
    }),
  };
  const model: IrModel = {
    ...decoder,
    irVersion: Math.max(encoder.irVersion, decoder.irVersion),
    opsetImports: { ...encoder.opsetImports, ...decoder.opsetImports },
    graph,
    ...((encoder.functions?.length || decoder.functions?.length) && { functions: [...(encoder.functions ?? []), ...(decoder.functions ?? [])] }),
  };
  const embedScales = { encoder: encoderCut.scale, decoder: decoderCut.scale };
  return { model, encoderPrefix, encoderIdsInput, encoderMaskInput, encoderEmbedsInput, decoderEmbedsInput, embedScales, logitsOutput };
}

/**
 * Builds, from an encoder-decoder export (the decoder without an `If`), one model that takes the
 * token embeddings of both sides and returns the attributed function at the decoder's last
 * position (rows are fed without left padding, so every row's last token is there) and its
 * gradient with respect to both: the graphs are joined ({@link joinSeq2SeqForEmbeds}), `target` is
 * appended to the last-position logits (the decoder's position-wise tail on one position, as for
 * decoder-only models), and one reverse-mode gradient graph runs back through the decoder, into
 * `encoder_hidden_states` and on through the encoder. Paths of ids, masks, positions and T5's
 * relative position buckets carry no gradient, and what no output needs is pruned.
 *
 * @throws MissingCapabilityError as {@link joinSeq2SeqForEmbeds}, or when an op on the path has no
 *   gradient rule (naming the op and the node).
 */
export function buildSeq2SeqGradientModel(encoder: IrModel, decoder: IrModel, target: RecordedTarget, names: Seq2SeqModelNames = {}): Seq2SeqGradientModel {
  return appendSeq2SeqTargetGradient(joinSeq2SeqForEmbeds(encoder, decoder, names), target);
}

/**
 * The gradient model of {@link buildSeq2SeqGradientModel} from a joined graph: `appendTargetGradient`
 * (last-position logits, one reverse pass, dead nodes pruned) with respect to both sides' embeddings.
 */
export function appendSeq2SeqTargetGradient(joined: Seq2SeqEmbedsModel, target: RecordedTarget): Seq2SeqGradientModel {
  const { encoderPrefix, encoderIdsInput, encoderMaskInput, encoderEmbedsInput, decoderEmbedsInput, embedScales } = joined;
  const built = appendTargetGradient(joined.model, joined.model.graph, target, { wrt: [decoderEmbedsInput, encoderEmbedsInput], logitsOutput: joined.logitsOutput });
  return {
    model: built.model,
    encoderPrefix,
    encoderIdsInput,
    encoderMaskInput,
    encoderEmbedsInput,
    decoderEmbedsInput,
    embedScales,
    seedInput: built.seedInput,
    valueOutput: built.valueOutput,
    gradientOutput: built.gradientOutputs[decoderEmbedsInput] as string,
    encoderGradientOutput: built.gradientOutputs[encoderEmbedsInput] as string,
  };
}
