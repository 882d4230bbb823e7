import fc from 'fast-check';
import { describe, it } from 'vitest';
import { memoryModelFiles, readJsonFile } from '../../contracts/model-files';
import { checkModelFolder } from '../check-model-folder';
import { loadTokenizer } from '../hf-tokenizer';
import { modelConfigFromHf } from '../model-config-from-hf';
import { readModelWeights } from '../model-weights/read-model-weights';
import { parseSafetensorsIndex } from '../model-weights/safetensors-index';
import { readGenerationConfig } from '../read-generation-config';
import { decodeSafetensors } from '../safetensors/decode-safetensors';
import { type SafetensorsTensorInput, encodeSafetensors } from '../safetensors/encode-safetensors';
import { safetensorsDtypeSizes } from '../safetensors/safetensors-dtype';
import {
  applyByteEdits,
  applyJsonEdits,
  byteEdits,
  endsInResultOrInseqError,
  fuzzParameters,
  hostileJsonValue,
  jsonEdits,
} from './fuzz-support.test-support';

// Property-based fuzzing of core's parsers of untrusted model files: each run ends in a result or an
// InseqError with an escaped message. Short and seeded here; `pnpm fuzz` (FUZZ_RUNS) runs them long.

const encoder = new TextEncoder();
const dtypes = Object.keys(safetensorsDtypeSizes) as (keyof typeof safetensorsDtypeSizes)[];

/** Valid safetensors files: a few small tensors of any dtype, as the writers produce them. */
const validSafetensors = fc
  .dictionary(
    fc.string({ minLength: 1, maxLength: 12 }),
    fc.record({ dtype: fc.constantFrom(...dtypes), shape: fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 3 }) }),
    { minKeys: 1, maxKeys: 4 },
  )
  .map((spec) => {
    const tensors: Record<string, SafetensorsTensorInput> = {};
    for (const [name, { dtype, shape }] of Object.entries(spec)) {
      const size = shape.reduce((a, b) => a * b, 1);
      const data = Array.from({ length: size }, (_, i) => (dtype === 'BOOL' ? i % 2 : dtype.startsWith('U') ? i : i - 1));
      tensors[name] = { dtype, shape, data };
    }
    return encodeSafetensors(tensors, { format: 'pt' });
  });

/** A safetensors file whose header JSON is edited (shapes, offsets, dtypes replaced by hostile values), data kept. */
function withHeaderEdits(bytes: Uint8Array, edits: Parameters<typeof applyJsonEdits>[1], headerLength?: bigint): Uint8Array {
  const length = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + length)));
  const json = encoder.encode(JSON.stringify(applyJsonEdits(header, edits)));
  const out = new Uint8Array(8 + json.length + bytes.length - 8 - length);
  new DataView(out.buffer).setBigUint64(0, headerLength ?? BigInt(json.length), true);
  out.set(json, 8);
  out.set(bytes.subarray(8 + length), 8 + json.length);
  return out;
}

const hugeLengths = fc.constantFrom(2n ** 60n, 2n ** 64n - 1n, 100_000_001n, 0n, 1n);

describe('fuzz: safetensors', () => {
  it('decodeSafetensors: random bytes, mutated files, edited headers and absurd header lengths', async () => {
    const input = fc.oneof(
      fc.uint8Array({ maxLength: 64 }),
      fc.tuple(validSafetensors, byteEdits).map(([bytes, edits]) => applyByteEdits(bytes, edits)),
      fc.tuple(validSafetensors, jsonEdits).map(([bytes, edits]) => withHeaderEdits(bytes, edits)),
      fc.tuple(validSafetensors, hugeLengths).map(([bytes, length]) => {
        const out = bytes.slice();
        new DataView(out.buffer).setBigUint64(0, length, true);
        return out;
      }),
    );
    await fc.assert(
      fc.asyncProperty(input, (bytes) => endsInResultOrInseqError(() => decodeSafetensors(bytes, { name: 'fuzz.safetensors' }))),
      fuzzParameters,
    );
  });

  it('model.safetensors.index.json and its shards: parseSafetensorsIndex and readModelWeights', async () => {
    const shardA = encodeSafetensors({ 'a.weight': { dtype: 'F32', shape: [2], data: [1, 2] } });
    const shardB = encodeSafetensors({ 'b.weight': { dtype: 'F16', shape: [1], data: [3] } });
    const index = { metadata: { total_size: 10 }, weight_map: { 'a.weight': 'model-00001-of-00002.safetensors', 'b.weight': 'model-00002-of-00002.safetensors' } };
    const input = fc.record({
      index: fc.oneof(
        jsonEdits.map((edits) => encoder.encode(JSON.stringify(applyJsonEdits(index, edits)))),
        byteEdits.map((edits) => applyByteEdits(encoder.encode(JSON.stringify(index)), edits)),
        fc.uint8Array({ maxLength: 40 }),
      ),
      shardEdits: fc.option(byteEdits),
    });
    await fc.assert(
      fc.asyncProperty(input, async ({ index: indexBytes, shardEdits }) => {
        await endsInResultOrInseqError(() => parseSafetensorsIndex(indexBytes, 'fuzz/model.safetensors.index.json'));
        const files = memoryModelFiles({
          'model.safetensors.index.json': indexBytes,
          'model-00001-of-00002.safetensors': shardEdits ? applyByteEdits(shardA, shardEdits) : shardA,
          'model-00002-of-00002.safetensors': shardB,
        });
        await endsInResultOrInseqError(() => readModelWeights(files));
      }),
      fuzzParameters,
    );
  });
});

const gpt2Config = { model_type: 'gpt2', vocab_size: 300, n_embd: 32, n_layer: 2, n_head: 4, n_positions: 64, bos_token_id: 0, eos_token_id: [1, 2] };
const generationConfig = { max_new_tokens: 20, eos_token_id: 1, pad_token_id: 0, decoder_start_token_id: 0 };

/** A JSON file as hostile text: the valid one edited, its bytes mutated, or any JSON value. */
function hostileJsonFile(valid: unknown): fc.Arbitrary<Uint8Array> {
  return fc.oneof(
    jsonEdits.map((edits) => encoder.encode(JSON.stringify(applyJsonEdits(valid, edits)))),
    byteEdits.map((edits) => applyByteEdits(encoder.encode(JSON.stringify(valid)), edits)),
    hostileJsonValue.map((value) => encoder.encode(JSON.stringify(value) ?? '')),
  );
}

describe('fuzz: config.json and generation_config.json', () => {
  it('checkModelFolder never throws, modelConfigFromHf and readGenerationConfig end in a config or an InseqError', async () => {
    await fc.assert(
      fc.asyncProperty(hostileJsonFile(gpt2Config), hostileJsonFile(generationConfig), async (config, generation) => {
        const files = memoryModelFiles({ 'config.json': config, 'generation_config.json': generation }, 'fuzz');
        const verdict = await checkModelFolder(files, { backend: 'fuzz', requiredFiles: ['config.json'], modelTypes: ['gpt2'] });
        if (verdict !== true && typeof verdict !== 'string') throw new Error(`checkModelFolder returned ${String(verdict)}`);
        // biome-ignore lint/suspicious/noControlCharactersInRegex: the reason is shown to users too.
        if (typeof verdict === 'string' && /[\u0000-\u001f\u007f-\u009f]/.test(verdict)) throw new Error(`unescaped reason: ${JSON.stringify(verdict)}`);
        await endsInResultOrInseqError(async () => modelConfigFromHf(await readJsonFile(files, 'config.json')));
        await endsInResultOrInseqError(() => readGenerationConfig(files));
      }),
      fuzzParameters,
    );
  });
});

/** A tokenizer.json of a byte-free WordLevel model and a BPE one, as tokenizers writes them. */
const wordLevel = {
  version: '1.0',
  truncation: null,
  padding: null,
  added_tokens: [{ id: 0, content: '[UNK]', single_word: false, lstrip: false, rstrip: false, normalized: false, special: true }],
  normalizer: { type: 'Lowercase' },
  pre_tokenizer: { type: 'Whitespace' },
  post_processor: null,
  decoder: null,
  model: { type: 'WordLevel', vocab: { '[UNK]': 0, the: 1, cat: 2, sat: 3 }, unk_token: '[UNK]' },
};
const bpe = {
  ...wordLevel,
  normalizer: null,
  pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
  decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
  model: { type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: '', end_of_word_suffix: '', fuse_unk: false, byte_fallback: false, vocab: { t: 0, h: 1, e: 2, th: 3, the: 4, 'Ġ': 5 }, merges: ['t h', 'th e'] },
};
const tokenizerConfig = { bos_token: '[UNK]', eos_token: { content: '[UNK]' }, chat_template: '{% for m in messages %}{{ m.content }}{% endfor %}' };

describe('fuzz: tokenizer files', () => {
  it('loadTokenizer (tokenizer.json, tokenizer_config.json) and the tokenizer it returns end in a result or an InseqError', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(hostileJsonFile(wordLevel), hostileJsonFile(bpe)), hostileJsonFile(tokenizerConfig), async (tokenizerJson, config) => {
        const files = memoryModelFiles({ 'tokenizer.json': tokenizerJson, 'tokenizer_config.json': config }, 'fuzz');
        await endsInResultOrInseqError(async () => {
          const tokenizer = await loadTokenizer(files);
          const ids = tokenizer.encode('the cat sat');
          tokenizer.decode(ids);
          tokenizer.applyChatTemplate?.([{ role: 'user', content: 'the cat' }]);
        });
      }),
      fuzzParameters,
    );
  });

  it('GPT-2 style vocab.json + merges.txt + special_tokens_map.json', async () => {
    const vocab = { t: 0, h: 1, e: 2, th: 3, the: 4, '<|endoftext|>': 5 };
    await fc.assert(
      fc.asyncProperty(
        hostileJsonFile(vocab),
        byteEdits.map((edits) => applyByteEdits(encoder.encode('#version: 0.2\nt h\nth e\n'), edits)),
        hostileJsonFile({ eos_token: '<|endoftext|>', bos_token: { content: '<|endoftext|>' } }),
        async (vocabJson, merges, special) => {
          const files = memoryModelFiles({ 'config.json': '{"model_type": "gpt2"}', 'vocab.json': vocabJson, 'merges.txt': merges, 'special_tokens_map.json': special }, 'fuzz');
          await endsInResultOrInseqError(async () => (await loadTokenizer(files)).encode('the'));
        },
      ),
      fuzzParameters,
    );
  });
});
