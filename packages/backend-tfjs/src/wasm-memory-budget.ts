import { InvalidInputError, type ModelConfig, ModelLoadError } from '@inseq/core';
import * as tf from './tf';
import { UNPACKED_WEIGHT_BYTES } from './ops/weight-mat-mul';
import { activationFloatsPerRow, rowsPerCall } from './split-rows';

/**
 * WebAssembly (wasm32) addresses at most 4 GiB; tfjs-backend-wasm lets its heap grow to just
 * under that (`getHeapMax()` is 4 GiB − 64 KiB), and a model or run that needs more aborts the
 * whole wasm instance ("Aborted()").
 */
export const WASM_MEMORY_LIMIT_BYTES = 4 * 2 ** 30;

/**
 * Share of the limit an estimate may use: the allocator's overhead and fragmentation, and the
 * heap's growth steps, take the rest. Measured on Qwen2.5-0.5B's shape: the forward pass
 * (estimate 3.2 GiB) and single-row gradients (3.25 GiB) ran; gradients of 5 rows (estimate
 * 3.54 GiB, 0.885 of the limit) ran out of memory once the heap had been fragmented by earlier
 * runs; so did 3.7 GiB.
 */
export const WASM_USABLE_SHARE = 0.85;

/** What a model needs of the wasm heap, from its weights' shapes; see {@link planWasmMemory}. */
export interface WasmMemoryPlan {
  /** Where the weights come from, for messages. */
  readonly location: string;
  /** Parameters in the checkpoint. */
  readonly parameters: number;
  /** The weights as tfjs holds them: float32, whatever the file's dtype. */
  readonly weightBytes: number;
  /**
   * XNNPACK's packed copies of the weight matrices that the forward pass multiplies by (tfjs-wasm
   * packs each right-hand matrix of a plain `matMul` once and keeps it while the weight lives):
   * every 2-D weight but the vocabulary-sized ones (embeddings, LM head), which the forward pass
   * gathers from or multiplies transposed (unpacked).
   */
  readonly forwardPackedBytes: number;
  /**
   * As `forwardPackedBytes`, plus the vocabulary-sized matrices, which the backward pass multiplies
   * untransposed: packed when small; above `UNPACKED_WEIGHT_BYTES` the naive kernel packs nothing.
   */
  readonly gradientPackedBytes: number;
  /** The heap limit checked against. */
  readonly limitBytes: number;
}

/** Bytes for messages: GiB from 1 GiB up, else MiB. */
const gib = (bytes: number) => (bytes >= 2 ** 30 ? `${(bytes / 2 ** 30).toFixed(2)} GiB` : `${(bytes / 2 ** 20).toFixed(1)} MiB`);

/** Tensor shapes from a safetensors header, or `undefined` when the header is malformed (the reader then says why). */
function headerShapes(bytes: Uint8Array): number[][] | undefined {
  try {
    if (bytes.length < 8) return undefined;
    const length = Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true));
    if (length > bytes.length - 8) return undefined;
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + length))) as Record<string, { shape?: unknown }>;
    return Object.entries(header)
      .filter(([name]) => name !== '__metadata__')
      .map(([, entry]) => entry.shape)
      .filter((shape): shape is number[] => Array.isArray(shape) && shape.every((dim) => Number.isSafeInteger(dim) && dim >= 0));
  } catch {
    return undefined;
  }
}

/**
 * The wasm memory a model will need, from the shapes in its safetensors header alone (nothing is
 * decoded or allocated), or `undefined` when the header cannot be read.
 *
 * @param limitBytes - the heap limit. @defaultValue {@link WASM_MEMORY_LIMIT_BYTES}
 */
export function planWasmMemory(
  safetensors: Uint8Array,
  config: Pick<ModelConfig, 'vocabSize'>,
  location: string,
  limitBytes = WASM_MEMORY_LIMIT_BYTES,
): WasmMemoryPlan | undefined {
  const shapes = headerShapes(safetensors);
  if (!shapes) return undefined;
  let parameters = 0;
  let matrices = 0;
  let vocabularyMatrices = 0;
  for (const shape of shapes) {
    const size = shape.reduce((product, dim) => product * dim, 1);
    parameters += size;
    if (shape.length !== 2) continue;
    if (shape.includes(config.vocabSize)) {
      // Above UNPACKED_WEIGHT_BYTES the backward runs the naive kernel, which packs nothing.
      if (size * 4 <= UNPACKED_WEIGHT_BYTES) vocabularyMatrices += size;
    } else {
      matrices += size;
    }
  }
  return {
    location,
    parameters,
    weightBytes: parameters * 4,
    forwardPackedBytes: matrices * 4,
    gradientPackedBytes: (matrices + vocabularyMatrices) * 4,
    limitBytes,
  };
}

/** The plan of a sharded checkpoint so far: `earlier` shards plus `next`, named after the later one. */
function addWasmPlans(earlier: WasmMemoryPlan, next: WasmMemoryPlan): WasmMemoryPlan {
  return {
    location: `${earlier.location.split(' + ')[0]} + ${next.location}`,
    parameters: earlier.parameters + next.parameters,
    weightBytes: earlier.weightBytes + next.weightBytes,
    forwardPackedBytes: earlier.forwardPackedBytes + next.forwardPackedBytes,
    gradientPackedBytes: earlier.gradientPackedBytes + next.gradientPackedBytes,
    limitBytes: next.limitBytes,
  };
}

const remedies =
  "Use --backend ort (ONNX Runtime has no 4 GiB limit, and a smaller --dtype export such as fp16 or q8 halves or quarters the weights), " +
  "or the tfjs device 'cpu' (plain JavaScript, bounded by the machine's memory instead, and slower)";

/** Whether runs of the model are checked: only on the wasm backend, the one with a 4 GiB heap. */
export const wasmActive = () => tf.getBackend() === 'wasm';

/**
 * Plans the model's wasm memory ({@link planWasmMemory}) and throws a {@link ModelLoadError}
 * `'MODEL_TOO_LARGE'` when its weights and the packed copies its forward pass makes cannot fit in
 * the wasm heap next to the tensors already in it — before any weight is decoded or allocated.
 * Checks nothing off the wasm backend ('cpu' keeps tensors in JavaScript memory, bounded by the
 * machine's memory, not 4 GiB) or when the header cannot be read (the reader then says why).
 *
 * @returns the plan, for {@link checkRunFitsWasm} on every run.
 */
export function checkModelFitsWasm(
  safetensors: Uint8Array,
  config: Pick<ModelConfig, 'vocabSize'>,
  location: string,
  limitBytes = WASM_MEMORY_LIMIT_BYTES,
  earlier?: WasmMemoryPlan,
): WasmMemoryPlan | undefined {
  const own = planWasmMemory(safetensors, config, location, limitBytes);
  const plan = own && earlier ? addWasmPlans(earlier, own) : (own ?? earlier);
  if (!plan || !wasmActive()) return plan;
  const used = tf.memory().numBytes;
  const needed = plan.weightBytes + plan.forwardPackedBytes;
  const usable = plan.limitBytes * WASM_USABLE_SHARE - used;
  if (needed <= usable) return plan;
  throw new ModelLoadError(
    `${plan.location} has ${(plan.parameters / 1e6).toFixed(0)} M parameters; tfjs-wasm would need about ${gib(needed)} for it ` +
      `(${gib(plan.weightBytes)} of float32 weights and ${gib(plan.forwardPackedBytes)} of XNNPACK's packed weight matrices), ` +
      `more than the ${gib(Math.max(0, usable))} usable of WebAssembly's ${gib(plan.limitBytes)} memory` +
      `${used > 0 ? ` (${gib(used)} already hold other tensors)` : ''}. ${remedies}.`,
    { code: 'MODEL_TOO_LARGE' },
  );
}

/**
 * Throws an {@link InvalidInputError} `'BATCH_TOO_LARGE'` when one call of a forward or gradient
 * run (`rows` × `seq` tokens, split into row chunks as `inRowChunks` splits it) cannot fit in the
 * wasm heap: the tensors already there (the weights included), the packed weight matrices of that
 * kind of pass, and the chunk's activations (doubled for gradients: the tape keeps the forward's
 * intermediates while the backward makes their gradients). Does nothing off wasm or without a plan.
 */
export function checkRunFitsWasm(
  plan: WasmMemoryPlan | undefined,
  config: ModelConfig,
  kind: 'forward' | 'gradients',
  rows: number,
  seq: number,
): void {
  if (!plan || !wasmActive()) return;
  const chunkRows = Math.min(rows, rowsPerCall(config, seq));
  const activations = activationFloatsPerRow(config, seq) * chunkRows * 4 * (kind === 'gradients' ? 2 : 1);
  const packed = kind === 'gradients' ? plan.gradientPackedBytes : plan.forwardPackedBytes;
  const used = tf.memory().numBytes;
  const needed = used + packed + activations;
  const usable = plan.limitBytes * WASM_USABLE_SHARE;
  if (needed <= usable) return;
  const what = kind === 'gradients' ? 'Gradients' : 'A forward pass';
  const shorter =
    activations > usable - used - packed && chunkRows === 1 ? `; a shorter input (fewer than ${seq} tokens) may fit` : '; a smaller batch may fit';
  throw new InvalidInputError(
    `${what} of ${chunkRows} row${chunkRows === 1 ? '' : 's'} × ${seq} tokens on ${plan.location} would need about ${gib(needed)} of tfjs-wasm memory ` +
      `(${gib(used)} of tensors including the weights, ${gib(packed)} of XNNPACK's packed weight matrices, ${gib(activations)} of activations), ` +
      `more than the ${gib(usable)} usable of WebAssembly's ${gib(plan.limitBytes)}. ${remedies}${packed + used > usable ? '' : shorter}.`, { code: 'BATCH_TOO_LARGE' },
  );
}

// What V8 and Emscripten say when wasm memory runs out: an abort (without assertions the bare
// "Aborted()"), a refused Memory.grow, or, once the instance has aborted, out-of-bounds accesses.
const outOfMemory = /Aborted\(|Cannot enlarge memory|WebAssembly\.Memory|Maximum memory size|out of memory|memory access out of bounds/i;

let aborted = false;

/**
 * Forgets a recorded abort. Only for tests that fake one (the runtime itself is intact): after a
 * real abort the wasm instance cannot run again, whatever this flag says. Not exported by the package.
 */
export function forgetWasmAbortForTests(): void {
  aborted = false;
}

/**
 * A wasm out-of-memory abort that slipped past the estimates, as the error the estimates would
 * have given: while loading, a {@link ModelLoadError} `'MODEL_TOO_LARGE'`; while running, an
 * {@link InvalidInputError} `'BATCH_TOO_LARGE'`; `undefined` for any other error. An aborted wasm
 * instance stays unusable, so every later tfjs call in this process gets the same error (see
 * {@link wasmAbortedError}).
 *
 * @param what - what was being done, e.g. `'run the forward pass'`.
 */
export function wasmOutOfMemoryError(error: unknown, what: string, during: 'load' | 'run' = 'run'): ModelLoadError | InvalidInputError | undefined {
  if (!wasmActive() && !aborted) return undefined;
  const message = String((error as Error)?.message ?? error);
  if (!outOfMemory.test(message)) return undefined;
  aborted = true;
  const text = abortedMessage(`tfjs-wasm ran out of WebAssembly's ${gib(WASM_MEMORY_LIMIT_BYTES)} memory while trying to ${what} (${message.slice(0, 80)})`);
  return during === 'load' ? new ModelLoadError(text, { code: 'MODEL_TOO_LARGE', cause: error }) : new InvalidInputError(text, { code: 'BATCH_TOO_LARGE' });
}

const abortedMessage = (first: string) =>
  `${first}; the wasm runtime has aborted and cannot run again in this process: restart it. ${remedies}, or a shorter input or smaller batch.`;

/** The error of every call after a wasm abort (see {@link wasmOutOfMemoryError}), or `undefined` before any. */
export function wasmAbortedError(what: string): InvalidInputError | undefined {
  return aborted && wasmActive() ? new InvalidInputError(abortedMessage(`Cannot ${what}: tfjs-wasm ran out of memory earlier`), { code: 'BATCH_TOO_LARGE' }) : undefined;
}
