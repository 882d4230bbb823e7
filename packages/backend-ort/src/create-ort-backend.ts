import {
  type Capabilities,
  type ForwardInput,
  type IntTensor,
  InvalidInputError,
  MissingCapabilityError,
  type ModelBackend,
  type ModelConfig,
  type Tensor,
  BackendError,
  InseqError,
} from '@inseq/core';
import type { InferenceSession, Tensor as OrtTensor } from 'onnxruntime-common';
import { checkOrtForwardInput, checkOrtIds } from './check-ort-forward-input';
import { generateWithPast } from './generate-with-past';
import { type OrtGraphLayout, emptyPast } from './ort-graph-layout';
import type { OrtRuntime } from './ort-runtime';
import { readFloat32 } from './ort-tensor-data';
import type { OnnxInitializer } from './read-onnx-initializer';

/** What the ort backend offers on a plain export: next-token logits only (no autodiff, no internals in the graph). */
export const ortCapabilities: Capabilities = Object.freeze({
  forward: true,
  gradients: false,
  attentions: false,
  layerActivations: false,
  hiddenStates: false,
});

/** HF generation's position ids: `cumsum(mask) - 1`, padded positions set to 1. */
function positionIds(mask: IntTensor): BigInt64Array {
  const [batch, seq] = mask.shape;
  const out = new BigInt64Array(batch * seq);
  for (let b = 0; b < batch; b++) {
    let seen = 0;
    for (let s = 0; s < seq; s++) {
      const m = mask.data[b * seq + s];
      seen += m;
      out[b * seq + s] = BigInt(m === 0 ? 1 : seen - 1);
    }
  }
  return out;
}

const int64 = (TensorClass: OrtRuntime['Tensor'], data: Int32Array | BigInt64Array, shape: readonly number[]) =>
  new TensorClass('int64', data instanceof BigInt64Array ? data : BigInt64Array.from(data, (v) => BigInt(v)), [...shape]);

/** Capabilities of one graph: `attentions` when it exports `attentions.{i}`. */
const ortCapabilitiesWithAttentions: Capabilities = Object.freeze({ ...ortCapabilities, attentions: true });

function rejectUnsupported(input: ForwardInput, capabilities: Capabilities): void {
  const offered = (Object.keys(capabilities) as (keyof Capabilities)[]).filter((name) => capabilities[name] === true);
  const asked = (
    [
      ['outputAttentions', input.outputAttentions === true && !capabilities.attentions, 'attentions'],
      ['outputHiddenStates', input.outputHiddenStates === true, 'hiddenStates'],
      ['layer', input.layer !== undefined, 'layerActivations'],
      ['zeroValues', input.zeroValues !== undefined, 'valueZeroing'],
      ['dropoutSeed', input.dropoutSeed !== undefined, 'dropout'],
    ] as const
  ).filter(([, given]) => given);
  if (asked.length > 0) {
    throw new MissingCapabilityError(
      `forward was asked for ${asked.map(([option, , capability]) => `${option} (${capability})`).join(', ')}; ` +
        `backend 'ort' offers: ${offered.join(', ')}. Use backend-tfjs for model internals` +
        (asked.some(([option]) => option === 'outputAttentions') ? ', or an export with attention outputs (attentions.{i}).' : '.'),
    );
  }
  if (input.inputsEmbeds !== undefined) {
    throw new InvalidInputError(
      "inputsEmbeds was given, but backend 'ort' runs ONNX exports that take token ids only (input_ids); " +
        'methods that perturb embeddings need backend-tfjs.',
    );
  }
}

/**
 * Wraps a loaded ONNX Runtime session as a {@link ModelBackend} (`name: 'ort'`).
 * `embeddings` is the `transformer.wte.weight` initializer when the graph stores it inline.
 */
export function createOrtBackend(
  session: InferenceSession,
  config: ModelConfig,
  options: { readonly embeddings?: OnnxInitializer; readonly layout: OrtGraphLayout; readonly runtime: OrtRuntime },
): ModelBackend {
  const { layout } = options;
  const { runtime } = options;
  const capabilities = layout.withAttentions ? ortCapabilitiesWithAttentions : ortCapabilities;
  let disposed = false;
  const assertLive = () => {
    if (disposed) throw new InseqError('INVALID_ARGUMENT', "The 'ort' backend was disposed; load the model again.");
  };
  const backend: ModelBackend = {
    name: 'ort',
    config,
    capabilities,
    async embed(inputIds: IntTensor): Promise<Tensor> {
      assertLive();
      const { embeddings } = options;
      if (!embeddings) {
        throw new InvalidInputError(
          "backend 'ort' cannot return token embeddings: the ONNX graph has no embedding output and no inline " +
            'transformer.wte.weight initializer. Methods that need embeddings (e.g. occlusion baselines) are not yet supported on ort.',
        );
      }
      const [batch, seq] = inputIds.shape;
      checkOrtIds(inputIds, config);
      const hidden = config.hiddenSize;
      const data = new Float32Array(batch * seq * hidden);
      for (let i = 0; i < batch * seq; i++) {
        const id = inputIds.data[i];
        data.set(embeddings.data.subarray(id * hidden, (id + 1) * hidden), i * hidden);
      }
      return { data, shape: [batch, seq, hidden] };
    },
    async forward(input: ForwardInput) {
      assertLive();
      rejectUnsupported(input, capabilities);
      const [batch, seq] = checkOrtForwardInput(input, config);
      const feeds: Record<string, OrtTensor> = {
        input_ids: int64(runtime.Tensor, input.inputIds.data, [batch, seq]),
        attention_mask: int64(runtime.Tensor, input.attentionMask.data, [batch, seq]),
        // A past of length 0 makes a KV-cache export compute exactly what a plain export does.
        ...(layout.withPast ? emptyPast(runtime.Tensor, batch, config, layout.pastType) : {}),
      };
      if (layout.usesPositionIds) feeds.position_ids = int64(runtime.Tensor, positionIds(input.attentionMask), [batch, seq]);
      let output: InferenceSession.ReturnType;
      try {
        output = await session.run(feeds);
      } catch (cause) {
        throw new BackendError(`ONNX Runtime failed on a [${batch}, ${seq}] batch: ${(cause as Error)?.message ?? String(cause)}`, cause);
      } finally {
        for (const tensor of Object.values(feeds)) tensor.dispose();
      }
      try {
        const logits = output.logits;
        const vocab = logits.dims[2];
        if (logits.dims.length !== 3 || logits.dims[0] !== batch || logits.dims[1] !== seq) {
          throw new BackendError(`The ONNX graph returned logits of shape [${logits.dims.join(', ')}]; expected [${batch}, ${seq}, vocab].`);
        }
        const attentions = input.outputAttentions === true ? readAttentions(output, config, batch, seq) : undefined;
        const all = readFloat32(logits, 'logits');
        if (input.logitsAt === 'all') return { logits: { data: Float32Array.from(all), shape: [batch, seq, vocab] }, ...(attentions && { attentions }) };
        const last = new Float32Array(batch * vocab);
        for (let b = 0; b < batch; b++) last.set(all.subarray((b * seq + seq - 1) * vocab, (b * seq + seq) * vocab), b * vocab);
        return { logits: { data: last, shape: [batch, vocab] }, ...(attentions && { attentions }) };
      } finally {
        for (const tensor of Object.values(output)) tensor.dispose();
      }
    },
    async dispose() {
      if (disposed) return;
      disposed = true;
      await session.release();
    },
  };
  if (!layout.withPast) return backend;
  return {
    ...backend,
    async generate(prompts, generateOptions) {
      assertLive();
      return generateWithPast(session, runtime.Tensor, config, prompts, { ...generateOptions, usesPositionIds: layout.usesPositionIds });
    },
  };
}

/** Copies `attentions.{i}` out of ONNX Runtime, `[batch, heads, seq, seq]` per layer (the past is empty). */
function readAttentions(output: InferenceSession.ReturnType, config: ModelConfig, batch: number, seq: number): Tensor[] {
  return Array.from({ length: config.numLayers }, (_, layer) => {
    const tensor = output[`attentions.${layer}`];
    const expected = [batch, config.numHeads, seq, seq];
    if (tensor.dims.join() !== expected.join()) {
      throw new BackendError(
        `The ONNX graph returned attentions.${layer} of shape [${tensor.dims.join(', ')}]; expected [${expected.join(', ')}].`,
      );
    }
    return { data: Float32Array.from(readFloat32(tensor, `attentions.${layer}`)), shape: expected };
  });
}
