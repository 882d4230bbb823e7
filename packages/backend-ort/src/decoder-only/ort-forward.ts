import { BackendError, type ModelConfig, type Tensor } from '@inseq/core';
import type { InferenceSession, Tensor as OrtTensor } from 'onnxruntime-common';
import { cacheBranchFeed, emptyPast, kvCacheShape, type OrtGraphLayout, pastInputNames } from '../onnx/ort-graph-layout';
import type { OrtRuntime } from '../ort-runtime';
import { readFloat32 } from '../ort-tensor-data';
import type { PrefixReusePlan } from './plan-prefix-reuse';

/** What every run of one backend shares. */
export interface OrtRunner {
  readonly session: InferenceSession;
  readonly Tensor: OrtRuntime['Tensor'];
  readonly config: ModelConfig;
  readonly layout: OrtGraphLayout;
  /** What the graph exposes for value zeroing (inseq-ts's export convention). */
  readonly internals: OrtInternals;
}

/**
 * Model internals an export may expose beyond Optimum's layout (see `gpt2OnnxModelSpec`'s
 * `valueZeroing` in @inseq/testing): outputs `hidden_states.{0..n_layer}` and an input
 * `value_zeroing_mask` `[batch, n_layer, total_length]` that scales each key's value vectors.
 */
export interface OrtInternals {
  readonly hiddenStates: boolean;
  readonly valueZeroingMask: boolean;
}

/** Reads {@link OrtInternals} from a session's input and output names. */
export function ortInternals(inputNames: readonly string[], outputNames: readonly string[], numLayers: number): OrtInternals {
  return {
    hiddenStates: Array.from({ length: numLayers + 1 }, (_, i) => `hidden_states.${i}`).every((name) => outputNames.includes(name)),
    valueZeroingMask: inputNames.includes('value_zeroing_mask'),
  };
}

/** A checked, left-padded batch with HF position ids (`cumsum(mask) - 1`, padding 1). */
export interface OrtBatch {
  readonly ids: Int32Array;
  readonly mask: Int32Array;
  readonly positions: Int32Array;
  readonly batch: number;
  readonly seq: number;
  /** Zero one key's value vectors per row in `layer` (`positions[b] < 0`: none); needs `value_zeroing_mask`. */
  readonly zeroValues?: { readonly layer: number; readonly positions: Int32Array };
}

/** Copies the last-position logits (or all) and attentions of a batch. */
export interface OrtForwardResult {
  /** `[batch, vocab]`, or `[batch, seq, vocab]` with `all`. */
  readonly logits: Tensor;
  readonly attentions?: Tensor[];
  /** `numLayers + 1` tensors `[batch, seq, hidden]`. */
  readonly hiddenStates?: Tensor[];
}

/** An int64 ORT tensor from JS numbers. */
export const int64 = (Tensor: OrtRuntime['Tensor'], values: ArrayLike<number>, shape: readonly number[]) =>
  new Tensor('int64', BigInt64Array.from({ length: values.length }, (_, i) => BigInt(values[i])), [...shape]);

/** Rows `rows` of a `[batch, seq]` int tensor, columns `from..seq`. */
function gatherColumns(data: Int32Array, seq: number, rows: readonly number[], from: number): Int32Array {
  const width = seq - from;
  const out = new Int32Array(rows.length * width);
  rows.forEach((row, r) => {
    out.set(data.subarray(row * seq + from, (row + 1) * seq), r * width);
  });
  return out;
}

/** Runs the session, wrapping ONNX Runtime's error and releasing the feeds either way. */
async function run(runner: OrtRunner, feeds: Record<string, OrtTensor>, what: string): Promise<InferenceSession.ReturnType> {
  try {
    return await runner.session.run(feeds);
  } catch (cause) {
    throw new BackendError(`ONNX Runtime failed on ${what}: ${(cause as Error)?.message ?? String(cause)}`, { cause: cause });
  } finally {
    for (const tensor of Object.values(feeds)) tensor.dispose();
  }
}

/** Feeds for `rows` fed from column `from`, the mask covering past and fed columns. */
function feedsFor(runner: OrtRunner, batch: OrtBatch, rows: readonly number[], from: number, past: Record<string, OrtTensor>): Record<string, OrtTensor> {
  const { Tensor, layout } = runner;
  const fed = batch.seq - from;
  const feeds: Record<string, OrtTensor> = {
    ...past,
    input_ids: int64(Tensor, gatherColumns(batch.ids, batch.seq, rows, from), [rows.length, fed]),
    attention_mask: int64(Tensor, gatherColumns(batch.mask, batch.seq, rows, 0), [rows.length, batch.seq]),
  };
  if (layout.usesPositionIds) feeds.position_ids = int64(Tensor, gatherColumns(batch.positions, batch.seq, rows, from), [rows.length, fed]);
  if (layout.cacheBranch) feeds.use_cache_branch = cacheBranchFeed(Tensor, from > 0);
  if (runner.internals.valueZeroingMask) {
    const layers = runner.config.numLayers;
    const keep = new Float32Array(rows.length * layers * batch.seq).fill(1);
    const zero = batch.zeroValues;
    if (zero) {
      rows.forEach((row, r) => {
        const position = zero.positions[row];
        if (position >= 0) keep[(r * layers + zero.layer) * batch.seq + position] = 0;
      });
    }
    feeds.value_zeroing_mask = new Tensor('float32', keep, [rows.length, layers, batch.seq]);
  }
  return feeds;
}

/** Checks `logits` is `[rows, fed, vocab]` and returns its float32 data and vocab size. */
function readLogits(output: InferenceSession.ReturnType, rows: number, fed: number): { data: Float32Array; vocab: number } {
  const logits = output.logits;
  if (logits.dims.length !== 3 || logits.dims[0] !== rows || logits.dims[1] !== fed) {
    throw new BackendError(`The ONNX graph returned logits of shape [${logits.dims.join(', ')}]; expected [${rows}, ${fed}, vocab].`);
  }
  return { data: readFloat32(logits, 'logits'), vocab: logits.dims[2] };
}

/** Copies `attentions.{i}` out of ONNX Runtime, `[rows, heads, seq, seq]` per layer (the past is empty). */
function readAttentions(output: InferenceSession.ReturnType, config: ModelConfig, rows: number, seq: number): Float32Array[] {
  return Array.from({ length: config.numLayers }, (_, layer) => {
    const tensor = output[`attentions.${layer}`];
    const expected = [rows, config.numHeads, seq, seq];
    if (tensor.dims.join() !== expected.join()) {
      throw new BackendError(
        `The ONNX graph returned attentions.${layer} of shape [${tensor.dims.join(', ')}]; expected [${expected.join(', ')}].`,
      );
    }
    return Float32Array.from(readFloat32(tensor, `attentions.${layer}`));
  });
}

function disposeAll(output: InferenceSession.ReturnType): void {
  for (const tensor of Object.values(output)) tensor.dispose();
}

/**
 * The whole batch in runs of at most `maxRunTokens` tokens (whole rows, at least one per run),
 * each with an empty past: what a plain export computes.
 */
export async function forwardInRuns(
  runner: OrtRunner,
  batch: OrtBatch,
  options: { readonly all: boolean; readonly attentions: boolean; readonly hiddenStates: boolean; readonly maxRunTokens: number },
): Promise<OrtForwardResult> {
  const { config, layout } = runner;
  const hidden = config.hiddenSize;
  const hiddenStates = options.hiddenStates
    ? Array.from({ length: config.numLayers + 1 }, () => new Float32Array(batch.batch * batch.seq * hidden))
    : undefined;
  const rowsPerRun = Math.max(1, Math.floor(options.maxRunTokens / batch.seq));
  let logits: Float32Array | undefined;
  let vocab = 0;
  const attentions = options.attentions
    ? Array.from({ length: config.numLayers }, () => new Float32Array(batch.batch * config.numHeads * batch.seq * batch.seq))
    : undefined;
  for (let first = 0; first < batch.batch; first += rowsPerRun) {
    const rows = Array.from({ length: Math.min(rowsPerRun, batch.batch - first) }, (_, r) => first + r);
    const past = layout.withPast ? emptyPast(runner.Tensor, rows.length, config, layout.pastType) : {};
    const output = await run(runner, feedsFor(runner, batch, rows, 0, past), `a [${rows.length}, ${batch.seq}] batch`);
    try {
      const read = readLogits(output, rows.length, batch.seq);
      vocab = read.vocab;
      const perRow = options.all ? batch.seq * vocab : vocab;
      logits ??= new Float32Array(batch.batch * perRow);
      for (let r = 0; r < rows.length; r++) {
        const start = options.all ? r * batch.seq * vocab : (r * batch.seq + batch.seq - 1) * vocab;
        logits.set(read.data.subarray(start, start + perRow), (first + r) * perRow);
      }
      if (attentions) {
        const perLayerRow = config.numHeads * batch.seq * batch.seq;
        readAttentions(output, config, rows.length, batch.seq).forEach((layer, l) => {
          attentions[l].set(layer, first * perLayerRow);
        });
      }
      hiddenStates?.forEach((states, i) => {
        const tensor = output[`hidden_states.${i}`];
        const expected = [rows.length, batch.seq, hidden];
        if (tensor.dims.join() !== expected.join()) {
          throw new BackendError(`The ONNX graph returned hidden_states.${i} of shape [${tensor.dims.join(', ')}]; expected [${expected.join(', ')}].`);
        }
        states.set(readFloat32(tensor, `hidden_states.${i}`), first * batch.seq * hidden);
      });
    } finally {
      disposeAll(output);
    }
  }
  const shape = options.all ? [batch.batch, batch.seq, vocab] : [batch.batch, vocab];
  return {
    logits: { data: logits!, shape },
    ...(attentions && { attentions: attentions.map((data) => ({ data, shape: [batch.batch, config.numHeads, batch.seq, batch.seq] })) }),
    ...(hiddenStates && { hiddenStates: hiddenStates.map((data) => ({ data, shape: [batch.batch, batch.seq, hidden] })) }),
  };
}

/** One anchor's `present.*` slices, `[heads, seq, headDim]` per cache tensor, in the graph's float type. */
type AnchorCache = Map<string, Float32Array | Uint16Array>;

/**
 * Next-token logits of a KV-cache export's batch by a {@link PrefixReusePlan}: anchors run in full
 * (their `present.*` kept), every other row is fed only from its run's prefix on, with the past
 * assembled from its anchor's cache. Exact: the prefix's keys and values are the anchor's.
 */
export async function forwardReusingPrefix(
  runner: OrtRunner,
  batch: OrtBatch,
  plan: PrefixReusePlan,
  maxRunTokens: number,
): Promise<OrtForwardResult> {
  const { config, layout } = runner;
  const names = pastInputNames(config.numLayers);
  // The cache has the key/value heads (fewer than the query heads under grouped-query attention).
  const { heads, headDim } = kvCacheShape(config);
  const caches = new Map<number, AnchorCache>();
  let logits: Float32Array | undefined;
  let vocab = 0;
  const writeLast = (row: number, data: Float32Array, offset: number) => {
    logits ??= new Float32Array(batch.batch * vocab);
    logits.set(data.subarray(offset, offset + vocab), row * vocab);
  };
  const rowsPerRun = Math.max(1, Math.floor(maxRunTokens / batch.seq));
  for (let first = 0; first < plan.anchors.length; first += rowsPerRun) {
    const rows = plan.anchors.slice(first, first + rowsPerRun);
    const past = emptyPast(runner.Tensor, rows.length, config, layout.pastType);
    const output = await run(runner, feedsFor(runner, batch, rows, 0, past), `a [${rows.length}, ${batch.seq}] batch`);
    try {
      const read = readLogits(output, rows.length, batch.seq);
      vocab = read.vocab;
      rows.forEach((row, r) => {
        writeLast(row, read.data, (r * batch.seq + batch.seq - 1) * vocab);
        const cache: AnchorCache = new Map();
        for (const name of names) {
          const present = output[name.replace('past_key_values', 'present')];
          const size = heads * batch.seq * headDim;
          const data = present.data as Float32Array | Uint16Array;
          cache.set(name, data.slice(r * size, (r + 1) * size));
        }
        caches.set(row, cache);
      });
    } finally {
      disposeAll(output);
    }
  }
  for (const { row, anchor } of plan.copies) writeLast(row, logits!, anchor * vocab);
  for (const { prefix, rows } of plan.runs) {
    const past: Record<string, OrtTensor> = {};
    for (const name of names) {
      const sample = caches.get(rows[0].anchor)!.get(name)!;
      const data = sample instanceof Uint16Array ? new Uint16Array(rows.length * heads * prefix * headDim) : new Float32Array(rows.length * heads * prefix * headDim);
      rows.forEach(({ anchor }, r) => {
        const source = caches.get(anchor)!.get(name)!;
        for (let h = 0; h < heads; h++) {
          const from = h * batch.seq * headDim;
          data.set(source.subarray(from, from + prefix * headDim), (r * heads + h) * prefix * headDim);
        }
      });
      past[name] = new runner.Tensor(layout.pastType, data, [rows.length, heads, prefix, headDim]);
    }
    const fed = batch.seq - prefix;
    const indices = rows.map(({ row }) => row);
    const output = await run(runner, feedsFor(runner, batch, indices, prefix, past), `a [${rows.length}, ${fed}] batch after a ${prefix}-token cached prefix`);
    try {
      const read = readLogits(output, rows.length, fed);
      indices.forEach((row, r) => {
        writeLast(row, read.data, (r * fed + fed - 1) * vocab);
      });
    } finally {
      disposeAll(output);
    }
  }
  return { logits: { data: logits!, shape: [batch.batch, vocab] } };
}
