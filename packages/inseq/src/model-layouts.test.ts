import { type AttributionModel, InseqError, decodeSafetensors, encodeSafetensors, intTensorFromRows, memoryModelFiles } from '@inseq/core';
import {
  type ModelFolder,
  castModelWeights,
  pickleOnlyModel,
  vocabMergesTokenizer,
  createTinyBart,
  createTinyGpt2,
  createTinyLlama,
  createTinyMarian,
  createTinyT5,
  renameModelWeights,
  shardModelWeights,
  stripWeightPrefix,
} from '@inseq/testing';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { attribute } from './attribute';
import { createDefaultRegistries } from './default-registries';
import { loadModel } from './load-model';

/**
 * Folder layouts of real repositories on every tfjs architecture: a sharded checkpoint
 * (model.safetensors.index.json + shards), one saved from the base model (no `transformer.` /
 * `model.` prefix), both at once, and the LM head as config.json says (a stored copy ignored when
 * tied, required when untied) give EXACTLY the logits, generations and attributions of the
 * single-file folder; bf16 / fp16 checkpoints are computed in float32.
 */
const { methods } = createDefaultRegistries();

interface Architecture {
  readonly name: string;
  readonly files: () => ModelFolder;
  /** The base-model prefix `save_pretrained` of the head class adds; none for T5. */
  readonly prefix?: string;
  /** tie_word_embeddings of the generated config. */
  readonly tied: boolean;
  readonly input: string;
}

const architectures: Architecture[] = [
  { name: 'gpt2', files: () => createTinyGpt2().files, prefix: 'transformer.', tied: true, input: 'Hello world, the' },
  { name: 'llama', files: () => createTinyLlama().files, prefix: 'model.', tied: false, input: 'Hello world, the' },
  { name: 'mistral', files: () => createTinyLlama({ family: 'mistral' }).files, prefix: 'model.', tied: false, input: 'Hello world, the' },
  { name: 'qwen2', files: () => createTinyLlama({ family: 'qwen2' }).files, prefix: 'model.', tied: false, input: 'Hello world, the' },
  { name: 'gemma', files: () => createTinyLlama({ family: 'gemma' }).files, prefix: 'model.', tied: true, input: 'Hello world, the' },
  { name: 'marian', files: () => createTinyMarian().files, prefix: 'model.', tied: true, input: 'The cat sat' },
  { name: 'bart', files: () => createTinyBart().files, prefix: 'model.', tied: true, input: 'The cat sat' },
  { name: 'mbart', files: () => createTinyBart({ family: 'mbart' }).files, prefix: 'model.', tied: true, input: 'The cat sat' },
  { name: 't5 (relu, tied)', files: () => createTinyT5().files, tied: true, input: 'The cat sat' },
  { name: 't5 (gated-gelu, untied)', files: () => createTinyT5({ feedForwardProj: 'gated-gelu' }).files, tied: false, input: 'The cat sat' },
];

/** Shards of about a third of the checkpoint, so that layers, embeddings and head fall in different shards. */
function sharded(files: ModelFolder): ModelFolder {
  return shardModelWeights(files, { maxShardBytes: Math.ceil(files['model.safetensors'].length / 3) });
}

/** The folder with a tensor added to model.safetensors. */
function withTensor(files: ModelFolder, name: string, shape: number[], value: number): ModelFolder {
  const { tensors, metadata } = decodeSafetensors(files['model.safetensors']);
  const all = Object.fromEntries([...tensors].map(([key, tensor]) => [key, tensor]));
  const size = shape.reduce((a, b) => a * b, 1);
  return { ...files, 'model.safetensors': encodeSafetensors({ ...all, [name]: { dtype: 'F32', shape, data: new Float32Array(size).fill(value) } }, metadata) };
}

/** Every position's logits for the input (encoder-decoders: the decoder start and the first source ids as target). */
async function allLogits(model: AttributionModel, input: string): Promise<Float32Array> {
  const ids = model.tokenizer.encode(input);
  const ones = (length: number) => [Array.from({ length }, () => 1)];
  const { config } = model.backend;
  const decoderIds = config.isEncoderDecoder ? [config.decoderStartTokenId ?? 0, ...ids.slice(0, 2)] : ids;
  const { logits } = await model.backend.forward({
    inputIds: intTensorFromRows([decoderIds]),
    attentionMask: intTensorFromRows(ones(decoderIds.length)),
    logitsAt: 'all',
    ...(config.isEncoderDecoder && { encoder: { inputIds: intTensorFromRows([ids]), attentionMask: intTensorFromRows(ones(ids.length)) } }),
  });
  return Float32Array.from(logits.data);
}

/**
 * Every position's logits, free generation, then saliency with every logit-derived step score: the
 * forward and backward passes of every weight (other methods are functions of the same passes).
 */
async function runAll(model: AttributionModel, input: string, generatedTexts?: string) {
  const options = { methods, maxNewTokens: 3, stepScores: ['logit', 'probability', 'entropy'], ...(generatedTexts !== undefined && { generatedTexts }) };
  const logits = await allLogits(model, input);
  const saliency = await attribute(model, input, { ...options, method: 'saliency' });
  return [saliency.sequence_attributions, logits] as const;
}

async function runFolder(files: ModelFolder, name: string, input: string, generatedTexts?: string) {
  const model = await loadModel(memoryModelFiles(files, name));
  try {
    return await runAll(model, input, generatedTexts);
  } finally {
    await model.backend.dispose();
  }
}

describe.each(architectures)('model folder layouts: $name', (architecture) => {
  it('sharded, prefix-less and both give exactly the single-file logits, generations and attributions', async () => {
    const base = architecture.files();
    const reference = await runFolder(base, 'single', architecture.input);
    const layouts: [string, ModelFolder][] = [['sharded', sharded(base)]];
    if (architecture.prefix !== undefined) {
      const bare = renameModelWeights(base, stripWeightPrefix(architecture.prefix));
      const names = [...decodeSafetensors(bare['model.safetensors']).tensors.keys()];
      expect(names.some((tensor) => tensor.startsWith(architecture.prefix!))).toBe(false);
      layouts.push(['prefix-less', bare], ['sharded prefix-less', sharded(bare)]);
    }
    for (const [layout, files] of layouts) {
      if (layout.startsWith('sharded')) expect(Object.keys(files).filter((file) => /^model-\d+-of-\d+\.safetensors$/.test(file)).length).toBeGreaterThanOrEqual(3);
      expect(await runFolder(files, layout, architecture.input), layout).toEqual(reference);
    }
    // Not vacuous: the attributions and scores are real numbers that differ between tokens.
    const entropy = reference[0][0].step_scores.entropy.data;
    expect(Array.from(entropy).every(Number.isFinite)).toBe(true);
    const logits = reference[1];
    expect(logits.length).toBeGreaterThan(2 * Number(JSON.parse(new TextDecoder().decode(base['config.json'])).vocab_size));
    expect(new Set(logits).size).toBeGreaterThan(logits.length / 2);
  });

  it(architecture.tied ? 'ignores a stored lm_head.weight when the config ties it' : 'needs lm_head.weight when the config unties it', async () => {
    const base = architecture.files();
    const config = JSON.parse(new TextDecoder().decode(base['config.json']));
    const vocab = Number(config.decoder_vocab_size ?? config.vocab_size);
    const hidden = Number(config.d_model ?? config.hidden_size ?? config.n_embd);
    if (architecture.tied) {
      const reference = await runFolder(base, 'tied', architecture.input);
      expect(await runFolder(withTensor(base, 'lm_head.weight', [vocab, hidden], 0.5), 'tied + copy', architecture.input)).toEqual(reference);
    } else {
      const headless = renameModelWeights(base, (tensor) => (tensor === 'lm_head.weight' ? undefined : tensor));
      const error = await loadModel(memoryModelFiles(headless, 'headless')).catch((caught: unknown) => caught);
      expect(InseqError.isInstance(error) && error.code).toBe('INVALID_FILE');
      expect((error as Error).message).toContain('headless/model.safetensors has no lm_head.weight, but config.json sets tie_word_embeddings to false');
    }
  });
});

describe.each([
  { name: 'gpt2', files: () => createTinyGpt2().files, input: 'Hello world, the', continuation: 'Hello world, the cat sat on the mat' },
  { name: 'llama', files: () => createTinyLlama().files, input: 'Hello world, the', continuation: 'Hello world, the cat sat on the mat' },
  { name: 'bart', files: () => createTinyBart().files, input: 'The cat sat', continuation: 'A dog ran' },
])('bf16 / fp16 checkpoints of $name', ({ files, input, continuation }) => {
  it.each([
    ['BF16', 2 ** -8],
    ['F16', 2 ** -11],
  ] as const)('%s: computed in float32, sharded or not, equal to the float32 run of the rounded weights', async (dtype, unitRoundoff) => {
    const base = files();
    const half = castModelWeights(base, dtype);
    // The same values stored in F32: what decoding must give, exactly.
    const widened = castModelWeights(half, 'F32');
    const reference = await runFolder(widened, 'widened', input);
    expect(await runFolder(half, dtype, input)).toEqual(reference);
    expect(await runFolder(sharded(half), `${dtype} sharded`, input)).toEqual(reference);

    // Against the float32 checkpoint (the same forced continuation): logits differ by the storage precision only.
    const [full] = await runFolder(base, 'f32', input, continuation);
    const [rounded] = await runFolder(half, dtype, input, continuation);
    const fullLogits = Array.from(full[0].step_scores.logit.data);
    const roundedLogits = Array.from(rounded[0].step_scores.logit.data);
    const scale = Math.max(...fullLogits.map(Math.abs));
    const diff = Math.max(...fullLogits.map((value, i) => Math.abs(value - roundedLogits[i])));
    // Each weight moves by at most unitRoundoff relative; through a tiny network the logits move by a small multiple (measured: 1.6–2.9× for BF16, 1.5–7.7× for F16).
    expect(diff).toBeLessThanOrEqual(16 * unitRoundoff * Math.max(1, scale));
    expect(diff).toBeGreaterThan(0);
    if (process.env.LAYOUTS_REPORT) console.log(`${dtype} max |Δlogit| ${diff} (largest |logit| ${scale})`);
  });
});

describe('real repository layouts on disk, through loadModel', () => {
  it('a GPT-2 folder with two prefix-less shards and vocab.json + merges.txt equals the single-file folder exactly', async () => {
    const base = createTinyGpt2().files;
    const folder = vocabMergesTokenizer(sharded2(renameModelWeights(base, stripWeightPrefix('transformer.'))));
    expect(Object.keys(folder).filter((name) => name.endsWith('.safetensors')).sort()).toEqual([
      'model-00001-of-00002.safetensors',
      'model-00002-of-00002.safetensors',
    ]);
    const directory = await mkdtemp(join(tmpdir(), 'inseq-layouts-'));
    try {
      for (const [name, bytes] of Object.entries(folder)) await writeFile(join(directory, name), bytes);
      const model = await loadModel(directory);
      try {
        expect(await runAll(model, 'Hello world, the')).toEqual(await runFolder(base, 'single', 'Hello world, the'));
      } finally {
        await model.backend.dispose();
      }
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });

  it('a pickle-only folder: the combined no-backend error says why pickles are not read and how to convert', async () => {
    const error = await loadModel(memoryModelFiles(pickleOnlyModel(createTinyGpt2().files), 'old-repo')).catch((caught: unknown) => caught);
    expect(InseqError.isInstance(error) && error.code).toBe('MODEL_LOAD');
    const message = (error as Error).message;
    expect(message).toContain('No installed backend can load old-repo');
    expect(message).toContain('tfjs: old-repo holds its weights only as PyTorch pickle (pytorch_model.bin)');
    expect(message).toContain('arbitrary code');
    expect(message).toContain('save_pretrained(folder, safe_serialization=True)');
    expect(message).toContain('optimum-cli export onnx');
    expect(message).toContain('ort:');
  });
});

/** Two shards, as a checkpoint just over half the size limit is saved. */
function sharded2(files: ModelFolder): ModelFolder {
  return shardModelWeights(files, { maxShardBytes: Math.ceil(files['model.safetensors'].length / 2) + 1 });
}
