import {
  BackendError,
  type Capabilities,
  checkForwardInput,
  type ForwardInput,
  type ForwardOutput,
  type GradientInput,
  InseqError,
  type IntTensor,
  InvalidInputError,
  MissingCapabilityError,
  type ModelBackend,
  type ModelConfig,
  type Tensor,
} from '@inseq/core';
import type { Tensor as OrtTensor } from 'onnxruntime-common';
import { ortCapabilities } from '../ort-capabilities';
import { embedFrom, type OrtEmbeddings } from '../ort-embeddings';
import type { OrtRuntime } from '../ort-runtime';
import { readFloat32 } from '../ort-tensor-data';
import { generateSeq2Seq } from './generate-seq2seq';
import { checkOrtSource, readOrtEncoder, rejectEncoderEmbeds } from './ort-seq2seq-encoder';
import { type OrtSeq2SeqGradientOptions, ortSeq2SeqGradients } from './ort-seq2seq-gradients';
import { encoderStatesFeed, gatherRows, groupByPadding, int64Tensor, mergedDecoderFeeds, type OrtSeq2SeqSessions, runSeq2SeqSession } from './seq2seq-graph-layout';

/** Per-layer names of the decoder's attention outputs (transformers.js's names). */
const attentionNames = (layers: number, kind: 'decoder_attentions' | 'cross_attentions') => Array.from({ length: layers }, (_, layer) => `${kind}.${layer}`);

function rejectUnsupported(input: ForwardInput, capabilities: Capabilities): void {
  const asked = (
    [
      ['outputAttentions', input.outputAttentions === true && !capabilities.attentions, 'attentions'],
      ['outputHiddenStates', input.outputHiddenStates === true, 'hiddenStates'],
      ['layer', input.layer !== undefined && !capabilities.layerActivations, 'layerActivations'],
      ['zeroValues', input.zeroValues !== undefined, 'valueZeroing'],
      ['dropoutSeed', input.dropoutSeed !== undefined, 'dropout'],
    ] as const
  ).filter(([, given]) => given);
  if (asked.length > 0) {
    const offered = (Object.keys(capabilities) as (keyof Capabilities)[]).filter((name) => capabilities[name] === true);
    throw new MissingCapabilityError(
      `forward was asked for ${asked.map(([option, , capability]) => `${option} (${capability})`).join(', ')}; ` +
        `backend 'ort' offers on this encoder-decoder export: ${offered.join(', ')}. Use backend-tfjs for model internals` +
        (asked.some(([option]) => option === 'outputAttentions') ? ', or a decoder export with decoder_attentions.{i} and cross_attentions.{i} outputs' : '') +
        '.',
    );
  }
  if (input.inputsEmbeds !== undefined && !capabilities.embeddingInputs) {
    throw new InvalidInputError(
      "inputsEmbeds was given, but backend 'ort' runs ONNX decoders that take token ids only (input_ids); methods that perturb embeddings need backend-tfjs.",
    );
  }
}

/**
 * Wraps the sessions of an encoder-decoder export as a {@link ModelBackend} (`name: 'ort'`,
 * `config.isEncoderDecoder`). `forward` runs the encoder on `input.encoder`, then the decoder on
 * the prefix (left padding removed row group by row group); `generate` decodes greedily, with
 * `decoder_with_past_model.onnx` when there is one. Attention outputs of the decoder graph
 * (`decoder_attentions.{i}` and `cross_attentions.{i}`) add the `attentions` capability; with
 * it, an encoder graph that returns `encoder_attentions.{i}` (Optimum's export with
 * `output_attentions`) also gives `encoderAttentions`, which attention_rollout traces the source
 * through. An encoder without them gives none, and such methods say so. With `gradientModel`
 * (fp32 exports whose joined graph has a rule for every op) `gradients` differentiates both sides
 * and `forward` also runs from `inputsEmbeds` / `encoder.inputsEmbeds` (see `ortSeq2SeqGradients`).
 */
export function createOrtSeq2SeqBackend(
  sessions: OrtSeq2SeqSessions,
  config: ModelConfig,
  options: {
    readonly runtime: OrtRuntime;
    readonly embeddings: { readonly encoder: OrtEmbeddings; readonly decoder: OrtEmbeddings };
    /** The export's graphs for its joined gradient model (capabilities `gradients`, `embeddingInputs`), when it can be differentiated. */
    readonly gradientModel?: Omit<OrtSeq2SeqGradientOptions, 'runtime' | 'config' | 'embed'>;
    /** Why the export offers no gradients (when `gradientModel` is absent), for the error of gradient methods. */
    readonly noGradients?: string;
    /** Why the export offers no layers (when `gradientModel.layers` is absent), for the error of layer methods. */
    readonly noLayers?: string;
  },
): ModelBackend {
  const { Tensor } = options.runtime;
  const layers = config.numLayers;
  const outputs = sessions.decoder.outputNames;
  const withAttentions = [...attentionNames(layers, 'decoder_attentions'), ...attentionNames(layers, 'cross_attentions')].every((name) => outputs.includes(name));
  const capabilities: Capabilities = Object.freeze({
    ...ortCapabilities,
    attentions: withAttentions,
    gradients: options.gradientModel !== undefined,
    // The joined gradient graph also runs forward passes from given embeddings.
    embeddingInputs: options.gradientModel !== undefined,
    layerActivations: options.gradientModel?.layers !== undefined,
  });
  const notes = {
    ...(options.noGradients && { gradients: options.noGradients }),
    ...(!capabilities.layerActivations && options.noLayers && { layerActivations: options.noLayers }),
  };
  const embed = (inputIds: IntTensor, side: 'encoder' | 'decoder') => embedFrom(options.embeddings[side], inputIds, config, side);
  const differentiated = options.gradientModel && ortSeq2SeqGradients({ ...options.gradientModel, runtime: options.runtime, config, embed });
  let disposed = false;
  const assertLive = () => {
    if (disposed) throw new InseqError("The 'ort' backend was disposed; load the model again.", { code: 'INVALID_ARGUMENT' });
  };
  const backend: ModelBackend = {
    name: 'ort',
    config,
    capabilities,
    ...(Object.keys(notes).length > 0 && { capabilityNotes: notes }),
    ...(options.gradientModel?.layers && { layerNames: ((names) => () => [...names])(options.gradientModel.layers.names) }),
    async embed(inputIds: IntTensor, side: 'encoder' | 'decoder' = 'decoder'): Promise<Tensor> {
      assertLive();
      return embed(inputIds, side);
    },
    async forward(input: ForwardInput): Promise<ForwardOutput> {
      assertLive();
      rejectUnsupported(input, capabilities);
      if (input.layer !== undefined && differentiated?.forwardLayer) {
        if (input.outputAttentions) throw new InvalidInputError("backend 'ort' runs forward passes with a layer for logits and the layer's output only (no attentions).");
        return differentiated.forwardLayer({ ...input, layer: input.layer });
      }
      if (differentiated && (input.inputsEmbeds !== undefined || input.encoder?.inputsEmbeds !== undefined)) {
        if (input.outputAttentions) throw new InvalidInputError("backend 'ort' runs forward passes from inputsEmbeds for logits only (no attentions).");
        return differentiated.forwardEmbeds(input);
      }
      rejectEncoderEmbeds(input.encoder);
      const [batch, seq, sourceLength] = checkForwardInput(input, config, { backend: 'ort' });
      const source = checkOrtSource(input.encoder, config, batch, 'forward', sourceLength);
      const groups = groupByPadding(input.attentionMask);
      const attentions = input.outputAttentions === true;
      const encoded = await readOrtEncoder(sessions, Tensor, source, attentions);
      const states = encoded.states;
      const hidden = states.length / (batch * source.length);
      const all = input.logitsAt === 'all';
      const heads = config.numHeads;
      const self = attentions ? Array.from({ length: layers }, () => new Float32Array(batch * heads * seq * seq)) : undefined;
      const cross = attentions ? Array.from({ length: layers }, () => new Float32Array(batch * heads * seq * source.length)) : undefined;
      const ids = Int32Array.from(input.inputIds.data);
      let logits: Float32Array | undefined;
      let vocab = 0;
      for (const [pad, rows] of groups) {
        const fed = seq - pad;
        const feeds: Record<string, OrtTensor> = {
          ...mergedDecoderFeeds(sessions, Tensor, config, rows.length, false),
          input_ids: int64Tensor(Tensor, gatherRows(ids, seq, rows, pad), [rows.length, fed]),
          encoder_attention_mask: int64Tensor(Tensor, gatherRows(source.mask, source.length, rows), [rows.length, source.length]),
          encoder_hidden_states: encoderStatesFeed(sessions.decoder, Tensor, gatherRows(states, source.length * hidden, rows), [rows.length, source.length, hidden]),
        };
        const output = await runSeq2SeqSession(sessions.decoder, feeds, `the decoder over a [${rows.length}, ${fed}] batch`);
        try {
          const read = output.logits;
          if (read.dims.length !== 3 || read.dims[0] !== rows.length || read.dims[1] !== fed) {
            throw new BackendError(`The decoder returned logits of shape [${read.dims.join(', ')}]; expected [${rows.length}, ${fed}, vocab].`);
          }
          vocab = read.dims[2];
          const data = readFloat32(read, 'logits');
          logits ??= new Float32Array(batch * (all ? seq : 1) * vocab);
          rows.forEach((row, r) => {
            if (all) logits!.set(data.subarray(r * fed * vocab, (r + 1) * fed * vocab), (row * seq + pad) * vocab);
            else logits!.set(data.subarray((r * fed + fed - 1) * vocab, (r + 1) * fed * vocab), row * vocab);
          });
          // Padded query and key positions of a row keep weight 0: they were not fed.
          for (let layer = 0; self && cross && layer < layers; layer++) {
            const selfData = readFloat32(output[`decoder_attentions.${layer}`], `decoder_attentions.${layer}`);
            const crossData = readFloat32(output[`cross_attentions.${layer}`], `cross_attentions.${layer}`);
            rows.forEach((row, r) => {
              for (let h = 0; h < heads; h++) {
                for (let t = 0; t < fed; t++) {
                  const at = ((r * heads + h) * fed + t) * fed;
                  self[layer].set(selfData.subarray(at, at + fed), ((row * heads + h) * seq + pad + t) * seq + pad);
                  const crossAt = ((r * heads + h) * fed + t) * source.length;
                  cross[layer].set(crossData.subarray(crossAt, crossAt + source.length), ((row * heads + h) * seq + pad + t) * source.length);
                }
              }
            });
          }
        } finally {
          for (const tensor of Object.values(output)) tensor.dispose();
        }
      }
      return {
        logits: { data: logits!, shape: all ? [batch, seq, vocab] : [batch, vocab] },
        ...(self && { attentions: self.map((data) => ({ data, shape: [batch, heads, seq, seq] })) }),
        ...(cross && { crossAttentions: cross.map((data) => ({ data, shape: [batch, heads, seq, source.length] })) }),
        ...(encoded.attentions && { encoderAttentions: encoded.attentions }),
      };
    },
    ...(differentiated && {
      async gradients(input: GradientInput) {
        assertLive();
        return differentiated.gradients(input);
      },
    }),
    async generate(prompts, generateOptions) {
      assertLive();
      return generateSeq2Seq(sessions, Tensor, config, prompts, generateOptions);
    },
    async dispose() {
      if (disposed) return;
      disposed = true;
      await differentiated?.dispose();
      const distinct = new Set([sessions.encoder, sessions.decoder, sessions.decoderWithPast]);
      await Promise.all([...distinct].map((session) => session?.release()));
    },
  };
  return backend;
}
