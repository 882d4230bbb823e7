import {
  checkForwardInput,
  checkLayerIntervention,
  type ForwardInput,
  type ForwardOutput,
  type GradientInput,
  type GradientOutput,
  InvalidInputError,
  type LayerIntervention,
  type ModelConfig,
  type Tensor,
} from '@inseq/core';
import type { InferenceSession, Tensor as OrtTensor } from 'onnxruntime-common';
import { cutEmbeddingLookup } from '../autodiff/build-gradient-model';
import { buildLayerForwardModel, buildLayerGradientModel, type LayerTap } from '../autodiff/build-layer-gradient-model';
import type { IrModel } from '../autodiff/onnx-ir';
import type { RecordedTarget } from '../autodiff/onnx-target-ops';
import { findLayerValues } from '../onnx/find-layer-values';
import type { OrtRuntime } from '../ort-runtime';
import { readFloat32 } from '../ort-tensor-data';

/** Where an export's layers are: the names `layer` accepts and the graph value of each. */
export interface OrtLayerValues {
  /** Layer names found in the graph, in model order (`layerNames()`); the first is the token embeddings. */
  readonly names: readonly string[];
  /** Layer name → graph value of its output, in the export as the gradient models start from it. */
  readonly values: ReadonlyMap<string, string>;
  /** Why names of the family's module tree are missing from `names`, for the unknown-layer error. */
  readonly unavailable?: string;
}

/**
 * Finds the layers `layerNames` lists (an `OrtArchitecture`'s HF module names) in the export as
 * the gradient models start from it (`differentiableModel`): the token embeddings at the cut
 * lookup, every other module by torch.onnx's node scopes (`findLayerValues`). Returns where they
 * are, or why the export offers no layers (none but the embeddings found).
 */
export function probeOrtLayers(model: IrModel, layerNames: readonly string[], fileName: string): OrtLayerValues | string {
  let embeds: string;
  try {
    embeds = cutEmbeddingLookup(model, { fileName, purpose: 'Layer methods on ONNX Runtime need' }).embedsInput;
  } catch (error) {
    return (error as Error).message;
  }
  const { values, missing } = findLayerValues(model.graph, layerNames, embeds);
  const examples = missing
    .slice(0, 3)
    .map(({ name, reason }) => `${name}: ${reason}`)
    .join('; ');
  const more = missing.length > 3 ? `; and ${missing.length - 3} more` : '';
  if (values.size <= 1) {
    return (
      `no module of ${fileName} was found by its node names (${examples}${more}); layers are found where nodes are named by ` +
      'module scope, as torch.onnx.export and Optimum name them (/transformer/h.0/Add_1, /model/layers.0/mlp/down_proj/MatMul)'
    );
  }
  return {
    names: layerNames.filter((name) => values.has(name)),
    values,
    ...(missing.length > 0 && { unavailable: `Not found in ${fileName}: ${examples}${more}.` }),
  };
}

/** What {@link ortLayers} shares with `ortGradients`: the decoded export, its session cache, its feeds. */
export interface OrtGraphRuns {
  readonly runtime: OrtRuntime;
  readonly config: ModelConfig;
  readonly fileName: string;
  /** A session of the model `build` makes from the decoded export, cached under `key`. */
  sessionFor<T extends { readonly model: IrModel }>(key: string, build: (model: IrModel) => T): Promise<{ session: InferenceSession; built: T }>;
  /** The target of a gradient input as ONNX nodes. */
  recordTarget(input: GradientInput): Promise<RecordedTarget>;
  /** Ids, mask, positions, empty cache and the other feeds every run of the cut graph takes. */
  idFeeds(input: ForwardInput, batch: number, seq: number): Record<string, OrtTensor>;
  /** Runs a session, wrapping ONNX Runtime's errors and releasing the feeds. */
  run(session: InferenceSession, feeds: Record<string, OrtTensor>, what: string): Promise<InferenceSession.ReturnType>;
}

type WithLayer<T> = T & { readonly inputsEmbeds: Tensor; readonly layer: LayerIntervention };

/**
 * `layer` in forward and gradients of a decoder-only export on ONNX Runtime (capability
 * `layerActivations`), from given token embeddings. Each layer gets a forward model and, per
 * target signature, a gradient model (`build-layer-gradient-model.ts`), cached with the gradient
 * sessions; each call feeds keep 1 and zeros (capture: the layer's own output flows on) or keep 0
 * and `layer.override` (replacement), and reads back the layer's own output as
 * `layerActivation` — the given embeddings for the token-embedding layer.
 */
export function ortLayers(
  runs: OrtGraphRuns,
  layers: OrtLayerValues,
): {
  forward(input: WithLayer<ForwardInput>): Promise<ForwardOutput>;
  gradients(input: WithLayer<GradientInput>): Promise<GradientOutput>;
} {
  const { runtime, config } = runs;
  const hidden = config.hiddenSize;

  /** Checks the input and the layer; returns `[batch, seq]` and the layer's graph value. */
  function check(input: WithLayer<ForwardInput>, call: string): [number, number, string] {
    const [batch, seq] = checkForwardInput(input, config, { backend: 'ort', call });
    checkLayerIntervention(input.layer, {
      layerNames: layers.names,
      modelType: config.modelType,
      shape: [batch, seq, hidden],
      ...(layers.unavailable && { unavailable: layers.unavailable }),
    });
    return [batch, seq, layers.values.get(input.layer.name)!];
  }

  /** The embeddings and the tap's feeds: keep 1 and zeros to capture, keep 0 and the override to replace. */
  function layerFeeds(input: WithLayer<ForwardInput>, tap: LayerTap & { readonly embedsInput: string }, batch: number, seq: number): Record<string, OrtTensor> {
    const { Tensor } = runtime;
    const override = input.layer.override;
    return {
      ...runs.idFeeds(input, batch, seq),
      [tap.embedsInput]: new Tensor('float32', Float32Array.from(input.inputsEmbeds.data), [batch, seq, hidden]),
      [tap.keepInput]: new Tensor('float32', Float32Array.of(override ? 0 : 1), []),
      [tap.replacementInput]: new Tensor('float32', override ? Float32Array.from(override.data) : new Float32Array(batch * seq * hidden), [batch, seq, hidden]),
    };
  }

  /** The layer's own output: the graph's, or the fed embeddings for the token-embedding layer. */
  function activation(out: InferenceSession.ReturnType, tap: LayerTap, input: WithLayer<ForwardInput>, batch: number, seq: number): Tensor {
    const data = tap.activationOutput ? Float32Array.from(readFloat32(out[tap.activationOutput], `the output of ${input.layer.name}`)) : Float32Array.from(input.inputsEmbeds.data);
    return { data, shape: [batch, seq, hidden] };
  }

  return {
    async forward(input) {
      const [batch, seq, value] = check(input, 'forward');
      if (input.outputAttentions || input.outputHiddenStates || input.zeroValues) {
        throw new InvalidInputError("backend 'ort' runs forward passes with a layer for logits and the layer's output only (no attentions, hidden states or zeroed values).");
      }
      const { session, built } = await runs.sessionFor(`layer-forward:${input.layer.name}`, (model) =>
        buildLayerForwardModel(model, value, { hidden, fileName: runs.fileName }),
      );
      const out = await runs.run(session, layerFeeds(input, built, batch, seq), `a forward pass with layer ${input.layer.name}`);
      try {
        const all = readFloat32(out[built.logitsOutput], 'logits');
        const vocab = config.vocabSize;
        const layerActivation = activation(out, built, input, batch, seq);
        if (input.logitsAt === 'all') return { logits: { data: Float32Array.from(all), shape: [batch, seq, vocab] }, layerActivation };
        const last = new Float32Array(batch * vocab);
        for (let b = 0; b < batch; b++) last.set(all.subarray((b * seq + seq - 1) * vocab, (b * seq + seq) * vocab), b * vocab);
        return { logits: { data: last, shape: [batch, vocab] }, layerActivation };
      } finally {
        for (const tensor of Object.values(out)) tensor.dispose();
      }
    },
    async gradients(input) {
      const [batch, seq, value] = check(input, 'gradients');
      const target = await runs.recordTarget(input);
      const { session, built } = await runs.sessionFor(`layer-gradient:${input.layer.name}:${target.signature}`, (model) =>
        buildLayerGradientModel(model, value, target, { hidden, fileName: runs.fileName }),
      );
      const { Tensor } = runtime;
      const feeds: Record<string, OrtTensor> = {
        ...layerFeeds(input, built, batch, seq),
        [built.seedInput]: new Tensor('float32', new Float32Array(batch).fill(1), [batch]),
      };
      for (const feed of target.feeds) feeds[feed.name] = new Tensor('float32', feed.data, [...feed.dims]);
      const out = await runs.run(session, feeds, `the gradients of ${input.target.name} at layer ${input.layer.name}`);
      try {
        return {
          gradients: { data: Float32Array.from(readFloat32(out[built.gradientOutput], 'the gradients')), shape: [batch, seq, hidden] },
          targetValues: Float32Array.from(readFloat32(out[built.valueOutput], 'the target values')),
          layerActivation: activation(out, built, input, batch, seq),
        };
      } finally {
        for (const tensor of Object.values(out)) tensor.dispose();
      }
    },
  };
}
