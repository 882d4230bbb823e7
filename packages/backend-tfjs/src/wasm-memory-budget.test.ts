import { InseqError, type ModelBackend, encodeSafetensors, memoryModelFiles, probability } from '@inseq/core';
import { createTinyGpt2, createTinyLlama } from '@inseq/testing';
import * as tf from './tf';
import { afterAll, describe, expect, it } from 'vitest';
import { initTfjs } from './init-tfjs';
import { loadTfjsBackend } from './load-tfjs-backend';
import { parseGpt2Config } from './models/decoder-only/gpt2/parse-gpt2-config';
import { activationFloatsPerRow } from './split-rows';
import { planWasmMemory, WASM_MEMORY_LIMIT_BYTES, WASM_USABLE_SHARE } from './wasm-memory-budget';

const tiny = createTinyGpt2();
const vocab = tiny.config.vocab_size as number;
const encoder = new TextEncoder();

async function caught(promise: Promise<unknown>): Promise<InseqError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(InseqError.isInstance(error)).toBe(true);
  return error as InseqError;
}

/** A safetensors file holding only a header: the shapes a loader would allocate, and no data. */
function headerOnly(shapes: Record<string, number[]>): Uint8Array {
  let offset = 0;
  const header: Record<string, unknown> = {};
  for (const [name, shape] of Object.entries(shapes)) {
    const bytes = shape.reduce((a, b) => a * b, 1) * 4;
    header[name] = { dtype: 'F32', shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  const json = encoder.encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  return out;
}

/** Forward / gradient inputs of one row of `seq` tokens. */
const row = (seq: number) => ({
  inputIds: { data: Int32Array.from({ length: seq }, (_, i) => (i * 7) % vocab), shape: [1, seq] },
  attentionMask: { data: new Int32Array(seq).fill(1), shape: [1, seq] },
});

describe('planWasmMemory', () => {
  it('counts float32 weights and the packed matrices of forward and backward from the header alone', () => {
    // Independent count from the generator's weights: every 2-D weight is packed for the forward
    // pass except the vocabulary-sized ones, which the backward pass packs too.
    const weights = Object.values(tiny.weights);
    const parameters = weights.reduce((sum, w) => sum + w.data.length, 0);
    const matrices = weights.filter((w) => w.shape.length === 2);
    const vocabulary = matrices.filter((w) => w.shape.includes(vocab)).reduce((sum, w) => sum + w.data.length, 0);
    const others = matrices.filter((w) => !w.shape.includes(vocab)).reduce((sum, w) => sum + w.data.length, 0);
    expect(vocabulary).toBe(vocab * 32); // wte only (tied head)
    const plan = planWasmMemory(tiny.files['model.safetensors'], { vocabSize: vocab }, 'tiny');
    expect(plan).toEqual({
      location: 'tiny',
      parameters,
      weightBytes: parameters * 4,
      forwardPackedBytes: others * 4,
      gradientPackedBytes: (others + vocabulary) * 4,
      limitBytes: WASM_MEMORY_LIMIT_BYTES,
    });
  });

  it('leaves a malformed header to the safetensors reader', () => {
    expect(planWasmMemory(new Uint8Array([1, 2, 3]), { vocabSize: vocab }, 'x')).toBeUndefined();
  });
});

describe('tfjs-wasm memory checks', () => {
  const backends: ModelBackend[] = [];
  afterAll(async () => {
    for (const backend of backends) await backend.dispose();
  });

  it('refuses a 2 B-parameter checkpoint before allocating anything, naming the limit, the estimate and the way out', async () => {
    await initTfjs('wasm');
    // Qwen2.5-1.5B-like sizes declared in a header-only file: 8.6 GiB of float32 weights.
    const small = createTinyLlama({ family: 'qwen2' }).config;
    const config = { ...small, vocab_size: 151936, hidden_size: 1536, num_attention_heads: 12, head_dim: 128, intermediate_size: 8960, num_hidden_layers: 28 };
    const shapes: Record<string, number[]> = { 'model.embed_tokens.weight': [151936, 1536], 'lm_head.weight': [151936, 1536] };
    for (let layer = 0; layer < 28; layer++) shapes[`model.layers.${layer}.mlp.up_proj.weight`] = [8960, 1536];
    const before = tf.memory().numTensors;
    const error = await caught(
      loadTfjsBackend(memoryModelFiles({ 'config.json': encoder.encode(JSON.stringify(config)), 'model.safetensors': headerOnly(shapes) }, 'models/big'), { device: 'wasm' }),
    );
    expect({ name: error.name, code: error.code }).toEqual({ name: 'ModelLoadError', code: 'MODEL_TOO_LARGE' });
    const parameters = 2 * 151936 * 1536 + 28 * 8960 * 1536;
    expect(error.message).toContain(`models/big/model.safetensors has ${(parameters / 1e6).toFixed(0)} M parameters`);
    expect(error.message).toContain(`${((parameters * 4) / 2 ** 30).toFixed(2)} GiB of float32 weights`);
    expect(error.message).toContain("WebAssembly's 4.00 GiB memory");
    expect(error.message).toContain('--backend ort');
    expect(error.message).toContain('--dtype');
    expect(tf.memory().numTensors).toBe(before);
  });

  it('adds up the shards of a sharded checkpoint and stops before decoding the shard that crosses the limit', async () => {
    await initTfjs('wasm');
    const config = createTinyLlama({ family: 'qwen2' }).config;
    // Two 1000 × 5000 float32 matrices (19.1 MiB each, and as much again packed by XNNPACK): each
    // shard fits a 60 MiB budget alone, both do not. The second shard holds only its header: the
    // check must stop the read before decoding it (decoding it would fail as truncated).
    const first = encodeSafetensors({ 'model.layers.0.mlp.up_proj.weight': { dtype: 'F32', shape: [1000, 5000], data: new Float32Array(5_000_000) } });
    const second = headerOnly({ 'model.layers.1.mlp.up_proj.weight': [1000, 5000] });
    const index = {
      metadata: { total_size: 40_000_000 },
      weight_map: { 'model.layers.0.mlp.up_proj.weight': 'model-00001-of-00002.safetensors', 'model.layers.1.mlp.up_proj.weight': 'model-00002-of-00002.safetensors' },
    };
    const files = memoryModelFiles(
      {
        'config.json': encoder.encode(JSON.stringify(config)),
        'model.safetensors.index.json': encoder.encode(JSON.stringify(index)),
        'model-00001-of-00002.safetensors': first,
        'model-00002-of-00002.safetensors': second,
      },
      'models/sharded',
    );
    const wasmMemoryLimitBytes = Math.ceil((tf.memory().numBytes + 60 * 2 ** 20) / WASM_USABLE_SHARE);
    const error = await caught(loadTfjsBackend(files, { device: 'wasm', wasmMemoryLimitBytes }));
    expect({ name: error.name, code: error.code }).toEqual({ name: 'ModelLoadError', code: 'MODEL_TOO_LARGE' });
    expect(error.message).toContain('model-00001-of-00002.safetensors + models/sharded/model-00002-of-00002.safetensors has 10 M parameters');
    // Alone, the second shard's header plans 38.1 MiB: under the budget.
    expect(planWasmMemory(second, config as never, 'x', wasmMemoryLimitBytes)!.weightBytes).toBe(20_000_000);
  });

  it('loads a model that fits and refuses a forward batch that does not, suggesting a shorter input', async () => {
    const plan = planWasmMemory(tiny.files['model.safetensors'], { vocabSize: vocab }, 'tiny')!;
    const used = tf.memory().numBytes;
    // Room for the weights, their packed copies and a few hundred KiB of activations.
    const limit = (used + plan.weightBytes + plan.forwardPackedBytes + 300 * 1024) / WASM_USABLE_SHARE;
    const backend = await loadTfjsBackend(memoryModelFiles(tiny.files, 'models/tiny'), { device: 'wasm', wasmMemoryLimitBytes: limit });
    backends.push(backend);
    const short = await backend.forward(row(4));
    expect(short.logits.shape).toEqual([1, vocab]);
    const error = await caught(backend.forward(row(60)));
    expect({ name: error.name, code: error.code }).toEqual({ name: 'InvalidInputError', code: 'BATCH_TOO_LARGE' });
    expect(error.message).toMatch(/^A forward pass of 1 row × 60 tokens on models\/tiny\/model.safetensors would need about/);
    expect(error.message).toContain('a shorter input (fewer than 60 tokens) may fit');
    expect(error.message).toContain('--backend ort');
  });

  it('refuses gradients whose packed matrices and tape do not fit where the forward pass of the same row does', async () => {
    const plan = planWasmMemory(tiny.files['model.safetensors'], { vocabSize: vocab }, 'tiny')!;
    // What the loaded model occupies, measured on a first load.
    const before = tf.memory().numBytes;
    const probe = await loadTfjsBackend(memoryModelFiles(tiny.files, 'models/tiny'), { device: 'wasm' });
    const used = tf.memory().numBytes;
    await probe.dispose();
    expect(used - before).toBeGreaterThanOrEqual(plan.weightBytes);
    // Forward of 8 tokens needs used + forward packs + A; gradients need used + all packs + 2A.
    const activations = activationFloatsPerRow(parseGpt2Config(tiny.config), 8) * 4;
    const usable = used + plan.forwardPackedBytes + activations + (plan.gradientPackedBytes - plan.forwardPackedBytes) / 2;
    const backend = await loadTfjsBackend(memoryModelFiles(tiny.files, 'models/tiny'), { device: 'wasm', wasmMemoryLimitBytes: usable / WASM_USABLE_SHARE });
    backends.push(backend);
    const input = row(8);
    await backend.forward(input);
    const error = await caught(
      backend.gradients!({ ...input, inputsEmbeds: await backend.embed(input.inputIds), targetIds: Int32Array.of(3), target: probability.differentiable! }),
    );
    expect({ name: error.name, code: error.code }).toEqual({ name: 'InvalidInputError', code: 'BATCH_TOO_LARGE' });
    expect(error.message).toMatch(/^Gradients of 1 row × 8 tokens/);
    expect(error.message).toContain(`${(plan.gradientPackedBytes / 2 ** 20).toFixed(1)} MiB of XNNPACK's packed weight matrices`);
  });

  it("checks nothing on the 'cpu' device, which keeps tensors in JavaScript memory", async () => {
    const backend = await loadTfjsBackend(memoryModelFiles(tiny.files, 'models/tiny'), { device: 'cpu', wasmMemoryLimitBytes: 1024 });
    backends.push(backend);
    expect((await backend.forward(row(60))).logits.shape).toEqual([1, vocab]);
    await initTfjs('wasm');
  });
});
