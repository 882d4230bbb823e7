import {
  checkForwardInput,
  checkLayerIntervention,
  type EncoderInput,
  type ForwardInput,
  type ForwardOutput,
  type GradientInput,
  type GradientOutput,
  type IntTensor,
  InvalidInputError,
  type LayerIntervention,
  type ModelConfig,
  type Tensor,
} from '@inseq/core';
import type { InferenceSession, Tensor as OrtTensor } from 'onnxruntime-common';
import { buildSeq2SeqLayerForwardModel, buildSeq2SeqLayerGradientModel, type LayerStack, type LayerTap } from '../autodiff/build-layer-gradient-model';
import type { Seq2SeqEmbedsModel } from '../autodiff/build-seq2seq-gradient-model';
import type { IrModel } from '../autodiff/onnx-ir';
import type { RecordedTarget } from '../autodiff/onnx-target-ops';
import { findLayerValues } from '../onnx/find-layer-values';
import type { OrtRuntime } from '../ort-runtime';
import { readFloat32 } from '../ort-tensor-data';
import { gatherRows, groupByPadding } from './seq2seq-graph-layout';

/** Where an encoder-decoder export's layers are in its joined graph: the names `layer` accepts, each one's value and stack. */
export interface OrtSeq2SeqLayerValues {
  /** Layer names found, in model order (`layerNames()`); each stack's `embed_tokens` is its cut embeddings input. */
  readonly names: readonly string[];
  /** Layer name → the joined graph's value of its output. */
  readonly values: ReadonlyMap<string, string>;
  /** Layer name → its stack: an encoder layer spans the source, a decoder one the target prefix. */
  readonly stacks: ReadonlyMap<string, LayerStack>;
  /** Why names of the family's module tree are missing from `names`, for the unknown-layer error. */
  readonly unavailable?: string;
}

/** The stack a layer name belongs to: the one its dotted parts name (`model.encoder.layers.0`, `decoder.block.1`). */
export function layerStackOf(name: string): LayerStack | undefined {
  const parts = name.split('.');
  if (parts.includes('encoder')) return 'encoder';
  if (parts.includes('decoder')) return 'decoder';
  return undefined;
}

/**
 * Finds the layers `layerNames` lists (an `OrtArchitecture`'s HF names of both stacks) in the
 * joined graph of an encoder-decoder export: each stack's `….embed_tokens` at its cut embeddings
 * input, every other module by torch.onnx's node scopes (`findLayerValues`; the encoder's node
 * names carry the join's `encoder/` prefix, which the scope search looks past). Returns where
 * they are, or why the export offers no layers (no module found).
 */
export function probeOrtSeq2SeqLayers(joined: Seq2SeqEmbedsModel, layerNames: readonly string[], fileNames: string): OrtSeq2SeqLayerValues | string {
  const stacks = new Map<string, LayerStack>();
  for (const name of layerNames) {
    const stack = layerStackOf(name);
    if (stack) stacks.set(name, stack);
  }
  const embeddings = new Map<string, string>();
  for (const name of layerNames) {
    if (!name.endsWith('.embed_tokens')) continue;
    const stack = stacks.get(name);
    if (stack) embeddings.set(name, stack === 'encoder' ? joined.encoderEmbedsInput : joined.decoderEmbedsInput);
  }
  const found = findLayerValues(joined.model.graph, layerNames, embeddings);
  const { missing } = found;
  const values = new Map(found.values);
  const unstacked = [...values.keys()].filter((name) => !stacks.has(name));
  for (const name of unstacked) values.delete(name);
  const examples = [...missing, ...unstacked.map((name) => ({ name, reason: 'it names neither the encoder nor the decoder' }))];
  const shown = examples
    .slice(0, 3)
    .map(({ name, reason }) => `${name}: ${reason}`)
    .join('; ');
  const more = examples.length > 3 ? `; and ${examples.length - 3} more` : '';
  if (values.size <= embeddings.size) {
    return (
      `no module of ${fileNames} was found by its node names (${shown}${more}); layers are found where nodes are named by ` +
      'module scope, as torch.onnx.export and Optimum name them (/model/encoder/layers.0/self_attn/out_proj/MatMul, /decoder/block.1/layer.2/Add)'
    );
  }
  return {
    names: layerNames.filter((name) => values.has(name)),
    values,
    stacks,
    ...(examples.length > 0 && { unavailable: `Not found in ${fileNames}: ${shown}${more}.` }),
  };
}

/** The joined graph's input names every run feeds (see `joinSeq2SeqForEmbeds`). */
type JoinedNames = Pick<Seq2SeqEmbedsModel, 'encoderIdsInput' | 'encoderMaskInput' | 'encoderEmbedsInput' | 'decoderEmbedsInput'>;

/** What {@link ortSeq2SeqLayers} shares with `ortSeq2SeqGradients`: its sessions, feeds and targets. */
export interface OrtSeq2SeqRuns {
  readonly runtime: OrtRuntime;
  readonly config: ModelConfig;
  /** A session of the model `build` makes from the joined graph, cached under `key`. */
  sessionFor<T extends { readonly model: IrModel }>(key: string, build: (joined: Seq2SeqEmbedsModel) => T): Promise<{ session: InferenceSession; built: T }>;
  /** The joined graph's names (built once). */
  joinedNames(): Promise<JoinedNames>;
  /** The target of one padding group, its rows' target ids and contrast. */
  recordTarget(input: GradientInput, rows: readonly number[]): Promise<RecordedTarget>;
  /** Feeds of one padding group: `rows` of the batch, decoder columns from `pad`. */
  groupFeeds(
    names: JoinedNames,
    input: { readonly inputIds: IntTensor; readonly encoder: EncoderInput },
    embeds: { readonly decoder: Float32Array; readonly encoder: Float32Array },
    rows: readonly number[],
    pad: number,
  ): Record<string, OrtTensor>;
  /** Both sides' embeddings: the given ones, or a side given as ids embedded from its table. */
  embeddingsOf(input: ForwardInput & { readonly encoder: EncoderInput }): Promise<{ readonly decoder: Float32Array; readonly encoder: Float32Array }>;
  /** Runs a session on the feeds it declares, wrapping ONNX Runtime's errors and releasing the feeds. */
  run(session: InferenceSession, feeds: Record<string, OrtTensor>, what: string): Promise<InferenceSession.ReturnType>;
}

type WithLayer<T> = T & { readonly encoder: EncoderInput; readonly layer: LayerIntervention };

/**
 * `layer` in forward and gradients of an encoder-decoder export on ONNX Runtime (capability
 * `layerActivations`), on the joined graph: each layer gets a forward model and, per target
 * signature, a gradient model (`buildSeq2SeqLayerForwardModel` / `…GradientModel`), cached with
 * the gradient sessions. A layer's shape is its stack's: `[batch, sourceLength, hidden]` for an
 * encoder layer, `[batch, sequenceLength, hidden]` for a decoder one. As the other runs of the
 * joined graph, a left-padded decoder batch runs by padding group without its padding: a decoder
 * layer's activation and gradient are 0 at padded positions, and its override is read only at the
 * real ones. Each run feeds keep 1 and zeros (capture) or keep 0 and the override's rows
 * (replacement) and reads back the layer's own output as `layerActivation` (the given embeddings
 * of its stack for an `embed_tokens` layer).
 */
export function ortSeq2SeqLayers(
  runs: OrtSeq2SeqRuns,
  layers: OrtSeq2SeqLayerValues,
): {
  forward(input: WithLayer<ForwardInput>): Promise<ForwardOutput>;
  gradients(input: WithLayer<GradientInput>): Promise<GradientOutput>;
} {
  const { runtime, config } = runs;
  const { Tensor } = runtime;
  const hidden = config.hiddenSize;

  /** Checks the input and the layer; returns the batch, decoder length, the layer's length, value and stack. */
  function check(input: WithLayer<ForwardInput>, call: string) {
    const [batch, seq, source] = checkForwardInput(input, config, { backend: 'ort', call });
    const stack = layers.stacks.get(input.layer.name);
    const length = stack === 'encoder' ? source : seq;
    checkLayerIntervention(input.layer, {
      layerNames: layers.names,
      modelType: config.modelType,
      shape: [batch, length, hidden],
      ...(layers.unavailable && { unavailable: layers.unavailable }),
    });
    return { batch, seq, source, length, stack: stack!, value: layers.values.get(input.layer.name)! };
  }

  /** One padding group's feeds with the tap's: keep 1 and zeros to capture, keep 0 and the override's rows to replace. */
  function tapFeeds(tap: LayerTap, input: WithLayer<ForwardInput>, stack: LayerStack, length: number, rows: readonly number[], pad: number): Record<string, OrtTensor> {
    const override = input.layer.override;
    // A decoder layer spans the group's fed columns only.
    const skip = stack === 'decoder' ? pad : 0;
    const fed = length - skip;
    return {
      [tap.keepInput]: new Tensor('float32', Float32Array.of(override ? 0 : 1), []),
      [tap.replacementInput]: new Tensor(
        'float32',
        override ? gatherRows(Float32Array.from(override.data), length * hidden, rows, skip * hidden) : new Float32Array(rows.length * fed * hidden),
        [rows.length, fed, hidden],
      ),
    };
  }

  /** Writes a group's `[rows, fed, hidden]` layer values into the batch's `[batch, length, hidden]` (decoder layers after the padding). */
  function scatter(into: Float32Array, data: Float32Array, stack: LayerStack, length: number, rows: readonly number[], pad: number): void {
    const skip = stack === 'decoder' ? pad : 0;
    const fed = length - skip;
    rows.forEach((row, r) => {
      into.set(data.subarray(r * fed * hidden, (r + 1) * fed * hidden), (row * length + skip) * hidden);
    });
  }

  /** The given embeddings of the layer's stack, as its activation when the layer is `embed_tokens`. */
  const stackEmbeds = (embeds: { readonly decoder: Float32Array; readonly encoder: Float32Array }, stack: LayerStack) =>
    Float32Array.from(stack === 'encoder' ? embeds.encoder : embeds.decoder);

  return {
    async forward(input) {
      const { batch, seq, source, length, stack, value } = check(input, 'forward');
      if (input.outputAttentions || input.outputHiddenStates || input.zeroValues) {
        throw new InvalidInputError("backend 'ort' runs forward passes with a layer for logits and the layer's output only (no attentions, hidden states or zeroed values).");
      }
      const embeds = await runs.embeddingsOf(input);
      const names = await runs.joinedNames();
      const { session, built } = await runs.sessionFor(`layer-forward:${input.layer.name}`, (joined) => buildSeq2SeqLayerForwardModel(joined, value, { hidden, stack }));
      const all = input.logitsAt === 'all';
      const vocab = config.vocabSize;
      const logits = new Float32Array(batch * (all ? seq : 1) * vocab);
      const activation = built.activationOutput ? new Float32Array(batch * length * hidden) : stackEmbeds(embeds, stack);
      for (const [pad, rows] of groupByPadding(input.attentionMask)) {
        const fed = seq - pad;
        const feeds = { ...runs.groupFeeds(names, input, embeds, rows, pad), ...tapFeeds(built, input, stack, length, rows, pad) };
        const out = await runs.run(session, feeds, `a forward pass with layer ${input.layer.name} over a [${rows.length}, ${fed}] batch (source ${source})`);
        try {
          const data = readFloat32(out[built.logitsOutput], 'logits');
          rows.forEach((row, r) => {
            if (all) logits.set(data.subarray(r * fed * vocab, (r + 1) * fed * vocab), (row * seq + pad) * vocab);
            else logits.set(data.subarray((r * fed + fed - 1) * vocab, (r + 1) * fed * vocab), row * vocab);
          });
          if (built.activationOutput) scatter(activation, readFloat32(out[built.activationOutput], `the output of ${input.layer.name}`), stack, length, rows, pad);
        } finally {
          for (const tensor of Object.values(out)) tensor.dispose();
        }
      }
      return { logits: { data: logits, shape: all ? [batch, seq, vocab] : [batch, vocab] }, layerActivation: { data: activation, shape: [batch, length, hidden] } };
    },

    async gradients(input) {
      const { batch, source, seq, length, stack, value } = check(input, 'gradients');
      const embeds = await runs.embeddingsOf(input);
      const names = await runs.joinedNames();
      const gradients = new Float32Array(batch * length * hidden);
      const targetValues = new Float32Array(batch);
      let activation: Float32Array | undefined;
      for (const [pad, rows] of groupByPadding(input.attentionMask)) {
        const fed = seq - pad;
        const target = await runs.recordTarget(input, rows);
        const { session, built } = await runs.sessionFor(`layer-gradient:${input.layer.name}:${target.signature}`, (joined) =>
          buildSeq2SeqLayerGradientModel(joined, value, target, { hidden, stack }),
        );
        activation ??= built.activationOutput ? new Float32Array(batch * length * hidden) : stackEmbeds(embeds, stack);
        const feeds: Record<string, OrtTensor> = {
          ...runs.groupFeeds(names, input, embeds, rows, pad),
          ...tapFeeds(built, input, stack, length, rows, pad),
          [built.seedInput]: new Tensor('float32', new Float32Array(rows.length).fill(1), [rows.length]),
        };
        for (const feed of target.feeds) feeds[feed.name] = new Tensor('float32', feed.data, [...feed.dims]);
        const out = await runs.run(session, feeds, `the gradients of ${input.target.name} at layer ${input.layer.name} over a [${rows.length}, ${fed}] batch (source ${source})`);
        try {
          const values = readFloat32(out[built.valueOutput], 'the target values');
          rows.forEach((row, r) => {
            targetValues[row] = values[r];
          });
          scatter(gradients, readFloat32(out[built.gradientOutput], 'the gradients'), stack, length, rows, pad);
          if (built.activationOutput) scatter(activation, readFloat32(out[built.activationOutput], `the output of ${input.layer.name}`), stack, length, rows, pad);
        } finally {
          for (const tensor of Object.values(out)) tensor.dispose();
        }
      }
      return {
        gradients: { data: gradients, shape: [batch, length, hidden] },
        targetValues,
        layerActivation: { data: activation!, shape: [batch, length, hidden] } satisfies Tensor,
      };
    },
  };
}
