import {
  BackendError,
  checkForwardInput,
  type ForwardInput,
  type ForwardOutput,
  type GradientInput,
  type GradientOutput,
  InvalidInputError,
  MissingCapabilityError,
  type ModelConfig,
  probability,
} from '@inseq/core';
import type { InferenceSession, Tensor as OrtTensor } from 'onnxruntime-common';
import { buildDecoderOnlyEmbedsForward, buildDecoderOnlyGradientModel } from '../autodiff/build-gradient-model';
import { decodeOnnxModel } from '../autodiff/decode-onnx-model';
import { encodeOnnxModel } from '../autodiff/encode-onnx-model';
import type { IrModel } from '../autodiff/onnx-ir';
import { recordOnnxTarget } from '../autodiff/onnx-target-ops';
import { specializeIf } from '../autodiff/specialize-if';
import { type Float32Upcast, upcastToFloat32 } from '../autodiff/upcast-to-float32';
import { cacheBranchFeed, emptyPast, type OrtGraphLayout, pastInputNames } from '../onnx/ort-graph-layout';
import type { OrtRuntime } from '../ort-runtime';
import { ortSessionCache } from '../ort-session-cache';
import { readFloat32 } from '../ort-tensor-data';
import { int64 } from './ort-forward';
import { type OrtLayerValues, ortLayers } from './ort-layers';

/** Gradient sessions kept per backend (one per kind of attributed function); the oldest is released beyond this. */
const MAX_GRADIENT_SESSIONS = 4;

/** Dtypes whose exports are not differentiated, and why (named in the capability note). */
export const refusedDtypes: Readonly<Record<string, string>> = Object.freeze({
  bnb4: "bnb4 exports (MatMulBnb4's FP4 / NF4 weights) are not differentiated; load dtype 'fp32', 'fp16', 'q8', 'int8', 'uint8', 'q4' or 'q4f16' for gradients",
});

/**
 * Whether the gradient model of a decoder-only export can be built (every op on the path from the
 * token embeddings to the logits has a rule), probed with the `probability` target: `true`, or
 * the reason. Exports other than fp32 are differentiated as float32 (`upcastToFloat32`: fp16 /
 * bf16 weights widened exactly, quantized weights dequantized, activation quantization dropped);
 * bnb4 exports are refused. Merged decoders are specialised to their no-cache branch; external
 * data files are handed to the gradient sessions.
 */
export function probeOrtGradients(
  bytes: Uint8Array,
  config: ModelConfig,
  layout: OrtGraphLayout,
  options: { readonly dtype: string },
): true | string {
  const refused = refusedDtypes[options.dtype];
  if (refused) return refused;
  try {
    // The graph only: the widened / dequantized weights are computed when a gradient session is made.
    const { model } = differentiableModel(bytes, config, layout, { values: false });
    const target = recordOnnxTarget(probability.differentiable!, 'target/logits', config.vocabSize, Int32Array.of(0), undefined, { opsetVersion: opset(model) });
    buildDecoderOnlyGradientModel(model, target);
    return true;
  } catch (error) {
    const message = (error as Error).message;
    if (options.dtype === 'fp32') return message;
    return `${message} (${options.dtype} exports are differentiated as the float32 model of their weights: float16 weights widened, quantized matmuls dequantized)`;
  }
}

/**
 * The export as the gradient model starts from: merged decoders (`If` on `use_cache_branch`) are
 * specialised to their no-cache branch, which is what runs with the empty cache fed here; then
 * the model is made float32 (`upcastToFloat32`: fp16 / bf16 and quantized exports; fp32 ones are
 * returned as they are), keeping `past_key_values.*` float16 where the export takes a float16
 * cache, since that is what the gradient sessions are fed.
 */
export function differentiableModel(
  bytes: Uint8Array,
  config: ModelConfig,
  layout: OrtGraphLayout,
  options: { readonly values?: boolean; readonly externalData?: ReadonlyMap<string, Uint8Array> },
): Float32Upcast {
  const decoded = decodeOnnxModel(bytes);
  const model = layout.cacheBranch ? specializeIf(decoded, 'use_cache_branch', false) : decoded;
  const float16Inputs = layout.withPast && layout.pastType === 'float16' ? pastInputNames(config.numLayers) : [];
  return upcastToFloat32(model, { ...options, float16Inputs });
}

function opset(model: IrModel): number {
  return model.opsetImports[''] ?? model.opsetImports['ai.onnx'] ?? 13;
}

/**
 * `ModelBackend.gradients` of a decoder-only export on ONNX Runtime: the export's gradient model
 * (built from `readModel()` on first use) is cached per target signature, so one session serves
 * every step and batch of one attributed function; each call feeds the ids, mask, positions, an
 * empty KV cache when the graph takes one, the token embeddings, the target's masks/constants
 * and a seed of ones, and reads back the target's values and d target / d embeddings.
 */
export function ortGradients(options: {
  readonly readModel: () => Promise<Uint8Array>;
  /** The export's external data files (location → bytes), handed to every session of the gradient model. */
  readonly readExternalData?: () => Promise<{ path: string; data: Uint8Array }[]>;
  readonly runtime: OrtRuntime;
  readonly config: ModelConfig;
  readonly layout: OrtGraphLayout;
  readonly positionIds: (mask: GradientInput['attentionMask']) => Int32Array;
  readonly fileName: string;
  /** Options of the load's sessions (execution providers, threads). */
  readonly sessionOptions: InferenceSession.SessionOptions;
  /** The export takes inseq-ts's `value_zeroing_mask` (fed ones: nothing zeroed). */
  readonly valueZeroingMask?: boolean;
  /** Where the export's layers are (capability `layerActivations`; see `probeOrtLayers`). */
  readonly layers?: OrtLayerValues;
}): {
  gradients(input: GradientInput): Promise<GradientOutput>;
  forwardEmbeds(input: ForwardInput & { readonly inputsEmbeds: NonNullable<ForwardInput['inputsEmbeds']> }): Promise<ForwardOutput>;
  /** Forward with `layer` (capture or replacement), from the given embeddings; present with `options.layers`. */
  forwardLayer?(input: ForwardInput & { readonly inputsEmbeds: NonNullable<ForwardInput['inputsEmbeds']>; readonly layer: NonNullable<ForwardInput['layer']> }): Promise<ForwardOutput>;
  dispose(): Promise<void>;
} {
  const { runtime, config, layout } = options;
  let source: Promise<Float32Upcast> | undefined;
  let external: Promise<{ path: string; data: Uint8Array }[]> | undefined;
  const readExternal = (): Promise<{ path: string; data: Uint8Array }[]> => {
    external ??= options.readExternalData?.() ?? Promise.resolve([]);
    return external;
  };
  /** The export, decoded and made float32 once (on the first gradient or embeddings run). */
  const upcast = (): Promise<Float32Upcast> => {
    if (!source) {
      const made = Promise.all([options.readModel(), readExternal()]).then(([bytes, files]) =>
        differentiableModel(bytes, config, layout, { externalData: new Map(files.map((file) => [file.path, file.data])) }),
      );
      // A failed read or upcast is not cached: the next call tries again.
      made.catch(() => {
        if (source === made) source = undefined;
      });
      source = made;
    }
    return source;
  };
  const decoded = async (): Promise<IrModel> => (await upcast()).model;
  /** The sessions' options: the load's, full graph optimisation, the export's external data files and the upcast's. */
  const sessionOptions = async (): Promise<InferenceSession.SessionOptions> => {
    const externalData = [...(await readExternal()), ...(await upcast()).externalData];
    return { ...options.sessionOptions, graphOptimizationLevel: 'all', ...(externalData.length > 0 && { externalData }) };
  };
  // Keys name what was built (a target signature, or a layer model's kind, layer and signature).
  const sessions = ortSessionCache({
    source: decoded,
    create: async (model) => runtime.InferenceSession.create(encodeOnnxModel(model), await sessionOptions()),
    max: MAX_GRADIENT_SESSIONS,
  });
  const { sessionFor } = sessions;

  let embedsForward: Promise<{ session: InferenceSession; embedsInput: string; logitsOutput: string }> | undefined;

  /** The feeds every run of the cut graph takes besides the embeddings. */
  function idFeeds(input: ForwardInput, batch: number, seq: number): Record<string, OrtTensor> {
    const { Tensor } = runtime;
    return {
      input_ids: int64(Tensor, input.inputIds.data, [batch, seq]),
      attention_mask: int64(Tensor, input.attentionMask.data, [batch, seq]),
      ...(layout.usesPositionIds && { position_ids: int64(Tensor, options.positionIds(input.attentionMask), [batch, seq]) }),
      ...(layout.withPast && emptyPast(Tensor, batch, config, layout.pastType)),
      ...(layout.cacheBranch && { use_cache_branch: cacheBranchFeed(Tensor, false) }),
      ...(options.valueZeroingMask && {
        value_zeroing_mask: new Tensor('float32', new Float32Array(batch * config.numLayers * seq).fill(1), [batch, config.numLayers, seq]),
      }),
    };
  }

  function checkEmbeds(embeds: { readonly shape: readonly number[] }, batch: number, seq: number, call: string): void {
    if (embeds.shape.length !== 3 || embeds.shape[0] !== batch || embeds.shape[1] !== seq || embeds.shape[2] !== config.hiddenSize) {
      throw new InvalidInputError(`${call} needs inputsEmbeds of shape [${batch}, ${seq}, ${config.hiddenSize}], got [${embeds.shape.join(', ')}].`);
    }
  }

  async function runSession(session: InferenceSession, feeds: Record<string, OrtTensor>, what: string): Promise<InferenceSession.ReturnType> {
    try {
      return await session.run(feeds);
    } catch (cause) {
      throw new BackendError(`ONNX Runtime failed on ${what}: ${(cause as Error)?.message ?? String(cause)}`, { cause });
    } finally {
      for (const tensor of Object.values(feeds)) tensor.dispose();
    }
  }

  /** The gradient input's target as ONNX nodes, at the export's opset. */
  async function recordTarget(input: GradientInput) {
    const model = await decoded();
    return recordOnnxTarget(input.target, 'target/logits', config.vocabSize, input.targetIds, input.contrast && { contrast: input.contrast }, {
      opsetVersion: opset(model),
    });
  }

  const layers = options.layers && ortLayers({ runtime, config, fileName: options.fileName, sessionFor, recordTarget, idFeeds, run: runSession }, options.layers);

  return {
    ...(layers && { forwardLayer: layers.forward }),
    async forwardEmbeds(input) {
      const [batch, seq] = checkForwardInput(input, config, { backend: 'ort' });
      checkEmbeds(input.inputsEmbeds, batch, seq, 'forward');
      embedsForward ??= decoded().then(async (model) => {
        const built = buildDecoderOnlyEmbedsForward(model, { fileName: options.fileName });
        const session = await runtime.InferenceSession.create(encodeOnnxModel(built.model), await sessionOptions());
        return { session, embedsInput: built.embedsInput, logitsOutput: built.logitsOutput };
      });
      const { session, embedsInput, logitsOutput } = await embedsForward;
      const feeds = {
        ...idFeeds(input, batch, seq),
        [embedsInput]: new runtime.Tensor('float32', Float32Array.from(input.inputsEmbeds.data), [batch, seq, config.hiddenSize]),
      };
      const out = await runSession(session, feeds, 'a forward pass from embeddings');
      const all = readFloat32(out[logitsOutput], 'logits');
      for (const tensor of Object.values(out)) tensor.dispose();
      const vocab = config.vocabSize;
      if (input.logitsAt === 'all') return { logits: { data: Float32Array.from(all), shape: [batch, seq, vocab] } };
      const last = new Float32Array(batch * vocab);
      for (let b = 0; b < batch; b++) last.set(all.subarray((b * seq + seq - 1) * vocab, (b * seq + seq) * vocab), b * vocab);
      return { logits: { data: last, shape: [batch, vocab] } };
    },
    async gradients(input) {
      if (input.rescale || input.encoder || (input.layer && !layers)) {
        const asked = input.rescale ? 'rescale (DeepLIFT)' : input.encoder ? 'encoder' : 'layer';
        throw new MissingCapabilityError(`gradients with ${asked} are not offered by backend 'ort' for this export; use backend-tfjs.`);
      }
      if (input.layer && layers) return layers.gradients({ ...input, layer: input.layer });
      const [batch, seq] = checkForwardInput(input, config, { backend: 'ort', call: 'gradients' });
      const embeds = input.inputsEmbeds;
      checkEmbeds(embeds, batch, seq, 'gradients');
      const target = await recordTarget(input);
      const { session, built } = await sessionFor(target.signature, (m) => buildDecoderOnlyGradientModel(m, target, { fileName: options.fileName }));
      const { Tensor } = runtime;
      const feeds: Record<string, OrtTensor> = {
        ...idFeeds(input, batch, seq),
        [built.embedsInput]: new Tensor('float32', Float32Array.from(embeds.data), [batch, seq, config.hiddenSize]),
        [built.seedInput]: new Tensor('float32', new Float32Array(batch).fill(1), [batch]),
      };
      for (const feed of target.feeds) feeds[feed.name] = new Tensor('float32', feed.data, [...feed.dims]);
      const out = await runSession(session, feeds, `the gradients of ${input.target.name}`);
      const targetValues = readFloat32(out[built.valueOutput], 'the target values');
      const gradients = readFloat32(out[built.gradientOutput], 'the gradients');
      for (const tensor of Object.values(out)) tensor.dispose();
      return { gradients: { data: gradients, shape: [batch, seq, config.hiddenSize] }, targetValues };
    },
    async dispose() {
      const forward = embedsForward;
      embedsForward = undefined;
      await Promise.all([sessions.dispose(), forward?.then(({ session }) => session.release()).catch(() => undefined)]);
    },
  };
}
