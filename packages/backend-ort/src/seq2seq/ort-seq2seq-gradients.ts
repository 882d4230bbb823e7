import {
  checkForwardInput,
  type EncoderInput,
  type ForwardInput,
  type ForwardOutput,
  type GradientInput,
  type GradientOutput,
  type IntTensor,
  InvalidInputError,
  MissingCapabilityError,
  type ModelConfig,
  probability,
  selectContrastRows,
  type Tensor,
} from '@inseq/core';
import type { InferenceSession, Tensor as OrtTensor } from 'onnxruntime-common';
import {
  appendSeq2SeqTargetGradient,
  joinSeq2SeqForEmbeds,
  type Seq2SeqEmbedsModel,
  type Seq2SeqModelNames,
} from '../autodiff/build-seq2seq-gradient-model';
import { decodeOnnxModel } from '../autodiff/decode-onnx-model';
import { encodeOnnxModel } from '../autodiff/encode-onnx-model';
import type { IrModel } from '../autodiff/onnx-ir';
import { recordOnnxTarget } from '../autodiff/onnx-target-ops';
import type { Float32DataFile } from '../autodiff/float32-tensor-sink';
import { specializeIf } from '../autodiff/specialize-if';
import { upcastToFloat32 } from '../autodiff/upcast-to-float32';
import { refusedDtypes } from '../decoder-only/ort-gradients';
import { kvCacheShape } from '../onnx/ort-graph-layout';
import type { OrtRuntime } from '../ort-runtime';
import { ortSessionCache } from '../ort-session-cache';
import { readFloat32 } from '../ort-tensor-data';
import { type OrtSeq2SeqLayerValues, ortSeq2SeqLayers, probeOrtSeq2SeqLayers } from './ort-seq2seq-layers';
import { gatherRows, groupByPadding, int64Tensor, runSeq2SeqSession, seq2seqPastNames } from './seq2seq-graph-layout';

/** Gradient sessions kept per backend (one per kind of attributed function); the oldest is released beyond this. */
const MAX_GRADIENT_SESSIONS = 4;

/**
 * The encoder and decoder graphs as the joined model starts from: a merged decoder's `If`
 * specialised to its no-cache branch, both made float32 (`upcastToFloat32`: fp16 / bf16 weights
 * widened exactly, quantized matmuls dequantized; fp32 graphs as they are), with the in-memory
 * data files of their new initializers.
 */
interface Seq2SeqSources {
  readonly encoder: IrModel;
  readonly decoder: IrModel;
  readonly externalData: readonly Float32DataFile[];
}

function decodeSources(
  encoder: Uint8Array,
  decoder: Uint8Array,
  merged: boolean,
  options: { readonly values?: boolean; readonly externalData?: ReadonlyMap<string, Uint8Array> } = {},
): Seq2SeqSources {
  const decoded = decodeOnnxModel(decoder);
  // Optimum's merged decoder switches on use_cache_branch with an If (fed false here, with an empty past).
  const specialized = merged ? specializeIf(decoded, 'use_cache_branch', false) : decoded;
  // Every input becomes float32 (an fp16 merged decoder's empty past too, fed as float32 here); distinct data file names per graph.
  const upcast = (model: IrModel, dataPrefix: string) => upcastToFloat32(model, { ...options, dataPrefix });
  const e = upcast(decodeOnnxModel(encoder), 'inseq-float32-encoder');
  const d = upcast(specialized, 'inseq-float32-decoder');
  return { encoder: e.model, decoder: d.model, externalData: [...e.externalData, ...d.externalData] };
}

const opsetOf = (model: IrModel): number => model.opsetImports[''] ?? model.opsetImports['ai.onnx'] ?? 13;

/**
 * Whether the joined gradient model of an encoder-decoder export can be built (both embedding
 * lookups found, every op on the path from either side's token embeddings to the logits has a
 * rule), probed with the `probability` target: `gradients` is `true`, or the reason. With
 * `layerNames` (the family's HF names of both stacks), where they are in the joined graph
 * (`layers`; see `probeOrtSeq2SeqLayers`), or why there are none. Non-fp32 exports are probed as the float32 model
 * `upcastToFloat32` makes of them; bnb4 exports are refused.
 */
export function probeOrtSeq2SeqGradients(
  encoder: Uint8Array,
  decoder: Uint8Array,
  config: ModelConfig,
  options: { readonly dtype: string; readonly merged: boolean; readonly names?: Seq2SeqModelNames; readonly layerNames?: readonly string[] },
): { readonly gradients: true | string; readonly layers?: OrtSeq2SeqLayerValues | string } {
  const refused = refusedDtypes[options.dtype];
  if (refused) return { gradients: refused, ...(options.layerNames && { layers: `layer methods need the gradient model, and ${refused}` }) };
  let joined: Seq2SeqEmbedsModel;
  try {
    // The graphs only: the widened / dequantized weights are computed when a session is made.
    const sources = decodeSources(encoder, decoder, options.merged, { values: false });
    const target = recordOnnxTarget(probability.differentiable!, 'target/logits', config.vocabSize, Int32Array.of(0), undefined, { opsetVersion: opsetOf(sources.decoder) });
    joined = joinSeq2SeqForEmbeds(sources.encoder, sources.decoder, options.names);
    appendSeq2SeqTargetGradient(joined, target);
  } catch (error) {
    const reason = (error as Error).message;
    const message =
      options.dtype === 'fp32'
        ? reason
        : `${reason} (${options.dtype} exports are differentiated as the float32 model of their weights: float16 weights widened, quantized matmuls dequantized)`;
    return { gradients: message, ...(options.layerNames && { layers: `layer methods need the gradient model, and ${message}` }) };
  }
  if (!options.layerNames) return { gradients: true };
  const files = `${options.names?.encoderFile ?? 'encoder_model.onnx'} and ${options.names?.decoderFile ?? 'decoder_model.onnx'}`;
  return { gradients: true, layers: probeOrtSeq2SeqLayers(joined, options.layerNames, files) };
}

/** What {@link ortSeq2SeqGradients} needs from the load. */
export interface OrtSeq2SeqGradientOptions {
  /** The bytes of `encoder_model.onnx` and of the decoder (plain or merged), read on first use. */
  readonly readModels: () => Promise<{ readonly encoder: Uint8Array; readonly decoder: Uint8Array }>;
  /** Both graphs' external data files (location → bytes), handed to every session of the joined model. */
  readonly readExternalData?: () => Promise<{ path: string; data: Uint8Array }[]>;
  /** Whether the decoder is `decoder_model_merged.onnx` (`If` on `use_cache_branch`, past inputs). */
  readonly merged: boolean;
  readonly names: Seq2SeqModelNames;
  /** Options of the load's sessions (execution providers, threads). */
  readonly sessionOptions: InferenceSession.SessionOptions;
  readonly runtime: OrtRuntime;
  readonly config: ModelConfig;
  /** The backend's `embed`: the side a forward pass gets as ids is embedded with it. */
  readonly embed: (inputIds: IntTensor, side: 'encoder' | 'decoder') => Promise<Tensor>;
  /** Where the export's layers are in the joined graph (capability `layerActivations`; see `probeOrtSeq2SeqLayers`). */
  readonly layers?: OrtSeq2SeqLayerValues;
}

/** The inputs every run of the joined graph names. */
interface JoinedInputs {
  readonly encoderIdsInput: string;
  readonly encoderMaskInput: string;
  readonly encoderEmbedsInput: string;
  readonly decoderEmbedsInput: string;
}

/**
 * `ModelBackend.gradients` and forward-from-`inputsEmbeds` of an encoder-decoder export on ONNX
 * Runtime. Both run one joined graph (encoder → `encoder_hidden_states` → decoder, both embedding
 * lookups cut; see `joinSeq2SeqForEmbeds`), so the gradient reaches the source embeddings in the
 * same backward pass as the decoder's. The decoder takes no attention mask, so a left-padded batch
 * is run by padding group, each group fed without its padding (as `forward` does); padded decoder
 * positions get zero gradients. The gradient model is built on first use and cached per target
 * signature; the target is recorded per group with that group's ids and contrastive rows.
 */
export function ortSeq2SeqGradients(options: OrtSeq2SeqGradientOptions): {
  gradients(input: GradientInput): Promise<GradientOutput>;
  forwardEmbeds(input: ForwardInput): Promise<ForwardOutput>;
  /** Forward with `layer` (capture or replacement) on the joined graph; present with `options.layers`. */
  forwardLayer?(input: ForwardInput & { readonly layer: NonNullable<ForwardInput['layer']> }): Promise<ForwardOutput>;
  dispose(): Promise<void>;
} {
  const { runtime, config } = options;
  const { Tensor } = runtime;
  const hidden = config.hiddenSize;
  let sources: Promise<Seq2SeqSources> | undefined;
  let external: Promise<{ path: string; data: Uint8Array }[]> | undefined;
  const readExternal = (): Promise<{ path: string; data: Uint8Array }[]> => {
    external ??= options.readExternalData?.() ?? Promise.resolve([]);
    return external;
  };
  const decoded = (): Promise<Seq2SeqSources> => {
    if (!sources) {
      const made = Promise.all([options.readModels(), readExternal()]).then(([{ encoder, decoder }, files]) =>
        decodeSources(encoder, decoder, options.merged, { externalData: new Map(files.map((file) => [file.path, file.data])) }),
      );
      // A failed read or upcast is not cached: the next call tries again.
      made.catch(() => {
        if (sources === made) sources = undefined;
      });
      sources = made;
    }
    return sources;
  };
  /** The sessions' options: the load's, full graph optimisation, and the external data files (read once). */
  const sessionOptions = async (): Promise<InferenceSession.SessionOptions> => {
    // The export's data files and the upcast's (float32 weights of fp16 / quantized exports).
    const externalData = [...(await readExternal()), ...(await decoded()).externalData];
    return { ...options.sessionOptions, graphOptimizationLevel: 'all', ...(externalData.length > 0 && { externalData }) };
  };
  const createSession = async (model: IrModel) => runtime.InferenceSession.create(encodeOnnxModel(model), await sessionOptions());
  let joinedModel: Promise<Seq2SeqEmbedsModel> | undefined;
  /** Both graphs joined from embeddings (once): what every model of these sessions is built from. */
  const joined = (): Promise<Seq2SeqEmbedsModel> => {
    joinedModel ??= decoded().then(({ encoder, decoder }) => joinSeq2SeqForEmbeds(encoder, decoder, options.names));
    joinedModel.catch(() => {
      joinedModel = undefined;
    });
    return joinedModel;
  };
  // Keys name what was built: a target signature, or a layer model's kind, layer and signature.
  const sessions = ortSessionCache({ source: joined, create: createSession, max: MAX_GRADIENT_SESSIONS });
  let embedsForward: Promise<{ session: InferenceSession; joined: Seq2SeqEmbedsModel }> | undefined;

  /** Feeds of one padding group: `rows` of the batch, decoder columns from `pad`. */
  function groupFeeds(
    names: JoinedInputs,
    input: { readonly inputIds: IntTensor; readonly encoder: EncoderInput },
    embeds: { readonly decoder: Float32Array; readonly encoder: Float32Array },
    rows: readonly number[],
    pad: number,
  ): Record<string, OrtTensor> {
    const [, seq] = input.inputIds.shape;
    const source = input.encoder.inputIds.shape[1];
    const fed = seq - pad;
    const feeds: Record<string, OrtTensor> = {
      [names.encoderIdsInput]: int64Tensor(Tensor, gatherRows(Int32Array.from(input.encoder.inputIds.data), source, rows), [rows.length, source]),
      [names.encoderMaskInput]: int64Tensor(Tensor, gatherRows(Int32Array.from(input.encoder.attentionMask.data), source, rows), [rows.length, source]),
      input_ids: int64Tensor(Tensor, gatherRows(Int32Array.from(input.inputIds.data), seq, rows, pad), [rows.length, fed]),
      [names.encoderEmbedsInput]: new Tensor('float32', gatherRows(embeds.encoder, source * hidden, rows), [rows.length, source, hidden]),
      [names.decoderEmbedsInput]: new Tensor('float32', gatherRows(embeds.decoder, seq * hidden, rows, pad * hidden), [rows.length, fed, hidden]),
    };
    if (options.merged) {
      // The no-cache branch with an empty past, as transformers.js feeds a merged decoder's first step.
      feeds.use_cache_branch = new Tensor('bool', Uint8Array.of(0), [1]);
      const { heads, headDim } = kvCacheShape(config);
      const past = seq2seqPastNames(config.numLayers);
      for (const name of [...past.decoder, ...past.encoder]) feeds[name] = new Tensor('float32', new Float32Array(0), [rows.length, heads, 0, headDim]);
    }
    return feeds;
  }

  /** Both sides' embeddings: the given ones, or the side given as ids embedded from its table. */
  async function embeddingsOf(input: ForwardInput & { readonly encoder: EncoderInput }) {
    const decoder = input.inputsEmbeds ?? (await options.embed(input.inputIds, 'decoder'));
    const encoder = input.encoder.inputsEmbeds ?? (await options.embed(input.encoder.inputIds, 'encoder'));
    return { decoder: Float32Array.from(decoder.data), encoder: Float32Array.from(encoder.data) };
  }

  /** The target of the rows of one padding group (their target ids and contrast), at the export's opset. */
  async function recordGroupTarget(input: GradientInput, rows: readonly number[]) {
    const opsetVersion = opsetOf((await decoded()).decoder);
    const targetIds = Int32Array.from(rows, (row) => input.targetIds[row]);
    const contrast = input.contrast && selectContrastRows(input.contrast, rows);
    return recordOnnxTarget(input.target, 'target/logits', config.vocabSize, targetIds, contrast && { contrast }, { opsetVersion });
  }

  const layers =
    options.layers &&
    ortSeq2SeqLayers(
      {
        runtime,
        config,
        sessionFor: sessions.sessionFor,
        joinedNames: joined,
        recordTarget: recordGroupTarget,
        groupFeeds,
        embeddingsOf,
        run: runSeq2SeqSession,
      },
      options.layers,
    );

  return {
    ...(layers && {
      // layers.forward checks the input (an encoder-decoder input needs its encoder) before reading it.
      forwardLayer: (input: ForwardInput & { readonly layer: NonNullable<ForwardInput['layer']> }) => layers.forward({ ...input, encoder: input.encoder as EncoderInput }),
    }),
    async forwardEmbeds(input) {
      const [batch, seq, source] = checkForwardInput(input, config, { backend: 'ort' });
      const encoder = input.encoder as EncoderInput;
      const groups = groupByPadding(input.attentionMask);
      const embeds = await embeddingsOf({ ...input, encoder });
      embedsForward ??= joined().then(async (model) => ({ session: await createSession(model.model), joined: model }));
      const { session, joined: names } = await embedsForward;
      const all = input.logitsAt === 'all';
      const vocab = config.vocabSize;
      const logits = new Float32Array(batch * (all ? seq : 1) * vocab);
      for (const [pad, rows] of groups) {
        const fed = seq - pad;
        const out = await runSeq2SeqSession(session, groupFeeds(names, { ...input, encoder }, embeds, rows, pad), `the decoder from embeddings over a [${rows.length}, ${fed}] batch (source ${source})`);
        try {
          const data = readFloat32(out[names.logitsOutput], 'logits');
          rows.forEach((row, r) => {
            if (all) logits.set(data.subarray(r * fed * vocab, (r + 1) * fed * vocab), (row * seq + pad) * vocab);
            else logits.set(data.subarray((r * fed + fed - 1) * vocab, (r + 1) * fed * vocab), row * vocab);
          });
        } finally {
          for (const tensor of Object.values(out)) tensor.dispose();
        }
      }
      return { logits: { data: logits, shape: all ? [batch, seq, vocab] : [batch, vocab] } };
    },

    async gradients(input) {
      if (input.rescale || (input.layer && !layers)) {
        const asked = input.rescale ? 'rescale (DeepLIFT)' : 'layer';
        throw new MissingCapabilityError(`gradients with ${asked} are not offered by backend 'ort' for this export; use backend-tfjs.`);
      }
      if (input.logitsAt === 'all') {
        throw new InvalidInputError("gradients reads next-token logits; logitsAt 'all' is for forward only.", { code: 'INVALID_ARGUMENT' });
      }
      const [batch, seq, source] = checkForwardInput(input, config, { backend: 'ort', call: 'gradients' });
      if (input.inputsEmbeds === undefined || input.encoder?.inputsEmbeds === undefined) {
        throw new InvalidInputError(
          'gradients of an encoder-decoder model need inputsEmbeds ([batch, sequenceLength, hidden], from backend.embed(inputIds)) and ' +
            "encoder.inputsEmbeds ([batch, sourceLength, hidden], from backend.embed(encoder.inputIds, 'encoder')).",
        );
      }
      if (input.targetIds.length !== batch) throw new InvalidInputError(`targetIds has ${input.targetIds.length} ids for a batch of ${batch} rows; give one per row.`);
      const encoder = input.encoder;
      if (input.layer && layers) return layers.gradients({ ...input, encoder, layer: input.layer });
      const embeds = { decoder: Float32Array.from(input.inputsEmbeds.data), encoder: Float32Array.from(encoder.inputsEmbeds!.data) };
      const gradients = new Float32Array(batch * seq * hidden);
      const encoderGradients = new Float32Array(batch * source * hidden);
      const targetValues = new Float32Array(batch);
      for (const [pad, rows] of groupByPadding(input.attentionMask)) {
        const fed = seq - pad;
        const target = await recordGroupTarget(input, rows);
        const { session, built } = await sessions.sessionFor(target.signature, (model) => appendSeq2SeqTargetGradient(model, target));
        const feeds = groupFeeds(built, { ...input, encoder }, embeds, rows, pad);
        feeds[built.seedInput] = new Tensor('float32', new Float32Array(rows.length).fill(1), [rows.length]);
        for (const feed of target.feeds) feeds[feed.name] = new Tensor('float32', feed.data, [...feed.dims]);
        const out = await runSeq2SeqSession(session, feeds, `the gradients of ${input.target.name} over a [${rows.length}, ${fed}] batch (source ${source})`);
        try {
          const values = readFloat32(out[built.valueOutput], 'the target values');
          const decoderPart = readFloat32(out[built.gradientOutput], 'the decoder gradients');
          const encoderPart = readFloat32(out[built.encoderGradientOutput], 'the encoder gradients');
          rows.forEach((row, r) => {
            targetValues[row] = values[r];
            gradients.set(decoderPart.subarray(r * fed * hidden, (r + 1) * fed * hidden), (row * seq + pad) * hidden);
            encoderGradients.set(encoderPart.subarray(r * source * hidden, (r + 1) * source * hidden), row * source * hidden);
          });
        } finally {
          for (const tensor of Object.values(out)) tensor.dispose();
        }
      }
      return {
        gradients: { data: gradients, shape: [batch, seq, hidden] },
        targetValues,
        encoderGradients: { data: encoderGradients, shape: [batch, source, hidden] },
      };
    },

    async dispose() {
      const forward = embedsForward;
      embedsForward = undefined;
      await Promise.all([sessions.dispose(), forward?.then(({ session }) => session.release()).catch(() => undefined)]);
    },
  };
}
