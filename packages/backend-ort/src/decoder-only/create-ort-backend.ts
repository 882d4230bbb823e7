import {
  type Capabilities,
  checkForwardInput,
  type ForwardInput,
  type GradientInput,
  type IntTensor,
  InvalidInputError,
  MissingCapabilityError,
  type ModelBackend,
  type ModelConfig,
  type Tensor,
  InseqError,
} from '@inseq/core';
import type { InferenceSession } from 'onnxruntime-common';
import { generateWithPast } from './generate-with-past';
import { ortGradients } from './ort-gradients';
import type { OrtLayerValues } from './ort-layers';
import { forwardInRuns, forwardReusingPrefix, type OrtBatch, type OrtRunner, ortInternals } from './ort-forward';
import type { OrtGraphLayout } from '../onnx/ort-graph-layout';
import { planPrefixReuse } from './plan-prefix-reuse';
import type { OrtRuntime } from '../ort-runtime';
import { embedFrom, type OrtEmbeddings } from '../ort-embeddings';
import { ortCapabilities } from '../ort-capabilities';

/** HF generation's position ids: `cumsum(mask) - 1`, padded positions set to 1. */
function positionIds(mask: IntTensor): Int32Array {
  const [batch, seq] = mask.shape;
  const out = new Int32Array(batch * seq);
  for (let b = 0; b < batch; b++) {
    let seen = 0;
    for (let s = 0; s < seq; s++) {
      const m = mask.data[b * seq + s];
      seen += m;
      out[b * seq + s] = m === 0 ? 1 : seen - 1;
    }
  }
  return out;
}

/** Checks `zeroValues` against the batch: a layer of the model and one position per row (negative: none). */
function checkZeroValues(zero: NonNullable<ForwardInput['zeroValues']>, config: ModelConfig, batch: number, seq: number) {
  if (!(Number.isInteger(zero.layer) && zero.layer >= 0 && zero.layer < config.numLayers) || zero.positions.length !== batch) {
    throw new InvalidInputError(
      `zeroValues needs a layer in [0, ${config.numLayers}) and one position per row (${batch}); got layer ${zero.layer} and ${zero.positions.length} positions.`,
    );
  }
  for (const position of zero.positions) {
    if (!(Number.isInteger(position) && position < seq)) {
      throw new InvalidInputError(`zeroValues.positions holds ${position}; positions are columns below ${seq}, or negative for none.`);
    }
  }
  return zero;
}

/**
 * A run's extra fixed cost in fed tokens, for the prefix-reuse planner: each run reads every
 * weight once, which on the 6 × 512 bench model (node cpu) costs about as much as feeding ~20
 * more tokens in a large batch. Measured with `pnpm bench`: 24 beat 4 and 64 for both occlusion
 * and LIME.
 */
const RUN_OVERHEAD_TOKENS = 24;

/** Default memory bound of one `session.run`: 256 MiB of float32 activations and outputs. */
export const DEFAULT_RUN_BUDGET_BYTES = 256 * 2 ** 20;

/**
 * Tokens one run may feed under `budgetBytes`: per fed token the graph holds its logits row
 * (vocab floats), per layer its key/value cache and MLP activations (about 6 × hidden) and its
 * attention scores (heads × seq).
 */
function runTokenBound(config: ModelConfig, seq: number, budgetBytes: number): number {
  const floatsPerToken = config.vocabSize + config.numLayers * (6 * config.hiddenSize + config.numHeads * seq);
  return Math.max(1, Math.floor(budgetBytes / 4 / floatsPerToken));
}

function rejectUnsupported(input: ForwardInput, capabilities: Capabilities): void {
  const offered = (Object.keys(capabilities) as (keyof Capabilities)[]).filter((name) => capabilities[name] === true);
  const asked = (
    [
      ['outputAttentions', input.outputAttentions === true && !capabilities.attentions, 'attentions'],
      ['outputHiddenStates', input.outputHiddenStates === true && !capabilities.hiddenStates, 'hiddenStates'],
      ['layer', input.layer !== undefined && !capabilities.layerActivations, 'layerActivations'],
      ['zeroValues', input.zeroValues !== undefined && !capabilities.valueZeroing, 'valueZeroing'],
      ['dropoutSeed', input.dropoutSeed !== undefined, 'dropout'],
    ] as const
  ).filter(([, given]) => given);
  if (asked.length > 0) {
    throw new MissingCapabilityError(
      `forward was asked for ${asked.map(([option, , capability]) => `${option} (${capability})`).join(', ')}; ` +
        `backend 'ort' offers: ${offered.join(', ')}. Use backend-tfjs for model internals` +
        (asked.some(([option]) => option === 'outputAttentions') ? ', or an export with attention outputs (attentions.{i})' : '') +
        (asked.some(([option]) => option === 'zeroValues' || option === 'outputHiddenStates')
          ? ', or an export with a value_zeroing_mask input and hidden_states.{i} outputs (see the backend README)'
          : '') +
        '.',
    );
  }
  if (input.inputsEmbeds !== undefined && !capabilities.embeddingInputs) {
    throw new InvalidInputError(
      "inputsEmbeds was given, but backend 'ort' runs ONNX exports that take token ids only (input_ids); " +
        'methods that perturb embeddings need backend-tfjs.',
    );
  }
}

/**
 * Wraps a loaded ONNX Runtime session as a {@link ModelBackend} (`name: 'ort'`).
 * `embeddings` is the graph's token embedding table (read on the first `embed`), or why it has none.
 */
export function createOrtBackend(
  session: InferenceSession,
  config: ModelConfig,
  options: {
    readonly embeddings: OrtEmbeddings;
    readonly layout: OrtGraphLayout;
    readonly runtime: OrtRuntime;
    /** Reuse the KV cache of rows' shared prefixes in one forward batch (KV-cache exports). @defaultValue true */
    readonly reusePrefix?: boolean;
    /** Memory bound of one `session.run`. @defaultValue {@link DEFAULT_RUN_BUDGET_BYTES} */
    readonly runBudgetBytes?: number;
    /** The export's bytes for its gradient model (capability `gradients`), when it can be differentiated. */
    readonly gradientModel?: {
      readonly readModel: () => Promise<Uint8Array>;
      readonly readExternalData?: () => Promise<{ path: string; data: Uint8Array }[]>;
      readonly fileName: string;
      readonly sessionOptions: InferenceSession.SessionOptions;
    };
    /** Why the export offers no gradients (when `gradientModel` is absent), for the error of gradient methods. */
    readonly noGradients?: string;
    /** Where the export's layers are (capability `layerActivations`, with `gradientModel`). */
    readonly layers?: OrtLayerValues;
    /** Why the export offers no layers (when `layers` is absent), for the error of layer methods. */
    readonly noLayers?: string;
  },
): ModelBackend {
  const { layout, runtime } = options;
  const internals = ortInternals(session.inputNames, session.outputNames, config.numLayers);
  const reusePrefix = options.reusePrefix ?? true;
  const budgetBytes = options.runBudgetBytes ?? DEFAULT_RUN_BUDGET_BYTES;
  const runner: OrtRunner = { session, Tensor: runtime.Tensor, config, layout, internals };
  const capabilities: Capabilities = Object.freeze({
    ...ortCapabilities,
    attentions: layout.withAttentions,
    hiddenStates: internals.hiddenStates,
    ...(internals.hiddenStates && internals.valueZeroingMask && { valueZeroing: true }),
    gradients: options.gradientModel !== undefined,
    // The gradient model's cut graph also runs forward passes from given embeddings.
    embeddingInputs: options.gradientModel !== undefined,
    layerActivations: options.gradientModel !== undefined && options.layers !== undefined,
  });
  const differentiated =
    options.gradientModel &&
    ortGradients({
      ...options.gradientModel,
      runtime,
      config,
      layout,
      positionIds,
      valueZeroingMask: internals.valueZeroingMask,
      ...(options.layers && { layers: options.layers }),
    });
  const layers = differentiated?.forwardLayer && options.layers;
  const capabilityNotes = {
    ...(options.noGradients && { gradients: options.noGradients }),
    ...(!capabilities.layerActivations && options.noLayers && { layerActivations: options.noLayers }),
  };
  let disposed = false;
  const assertLive = () => {
    if (disposed) throw new InseqError("The 'ort' backend was disposed; load the model again.", { code: 'INVALID_ARGUMENT' });
  };
  const backend: ModelBackend = {
    name: 'ort',
    config,
    capabilities,
    ...(Object.keys(capabilityNotes).length > 0 && { capabilityNotes }),
    ...(layers && { layerNames: () => [...layers.names] }),
    async embed(inputIds: IntTensor): Promise<Tensor> {
      assertLive();
      return embedFrom(options.embeddings, inputIds, config);
    },
    async forward(input: ForwardInput) {
      assertLive();
      rejectUnsupported(input, capabilities);
      if (input.layer !== undefined && differentiated?.forwardLayer) {
        checkForwardInput(input, config, { backend: 'ort' });
        const inputsEmbeds = input.inputsEmbeds ?? (await embedFrom(options.embeddings, input.inputIds, config));
        return differentiated.forwardLayer({ ...input, inputsEmbeds, layer: input.layer });
      }
      if (input.inputsEmbeds !== undefined && differentiated) {
        if (input.outputAttentions || input.outputHiddenStates || input.zeroValues) {
          throw new InvalidInputError("backend 'ort' runs forward passes from inputsEmbeds for logits only (no attentions, hidden states or zeroed values).");
        }
        return differentiated.forwardEmbeds({ ...input, inputsEmbeds: input.inputsEmbeds });
      }
      const [batch, seq] = checkForwardInput(input, config, { backend: 'ort' });
      const rows: OrtBatch = {
        ids: Int32Array.from(input.inputIds.data),
        mask: Int32Array.from(input.attentionMask.data),
        positions: positionIds(input.attentionMask),
        batch,
        seq,
        ...(input.zeroValues && { zeroValues: checkZeroValues(input.zeroValues, config, batch, seq) }),
      };
      const maxRunTokens = runTokenBound(config, seq, budgetBytes);
      const all = input.logitsAt === 'all';
      const outputAttentions = input.outputAttentions === true;
      const hiddenStates = input.outputHiddenStates === true;
      if (reusePrefix && layout.withPast && !all && !outputAttentions && !hiddenStates && !input.zeroValues && batch > 1) {
        const plan = planPrefixReuse(rows.ids, rows.mask, [batch, seq], { runOverheadTokens: RUN_OVERHEAD_TOKENS, maxRunTokens });
        if (plan.anchors.length < batch) return forwardReusingPrefix(runner, rows, plan, maxRunTokens);
      }
      return forwardInRuns(runner, rows, { all, attentions: outputAttentions, hiddenStates, maxRunTokens });
    },
    ...(differentiated && {
      async gradients(input: GradientInput) {
        assertLive();
        return differentiated.gradients(input);
      },
    }),
    async dispose() {
      if (disposed) return;
      disposed = true;
      await differentiated?.dispose();
      await session.release();
    },
  };
  if (!layout.withPast) return backend;
  return {
    ...backend,
    async generate(prompts, generateOptions) {
      assertLive();
      return generateWithPast(session, runtime.Tensor, config, prompts, {
        ...generateOptions,
        usesPositionIds: layout.usesPositionIds,
        pastType: layout.pastType,
      });
    },
  };
}
