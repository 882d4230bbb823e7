import { describe, expect, it } from 'vitest';
import { type ModelFiles, memoryModelFiles, readJsonFile } from '../contracts/model-files';
import { InseqError } from '../errors/inseq-error';
import { checkModelFolder } from './check-model-folder';
import { loadTokenizer } from './hf-tokenizer';
import { modelConfigFromHf } from './model-config-from-hf';
import { readModelWeights } from './model-weights/read-model-weights';
import { readGenerationConfig } from './read-generation-config';
import { decodeSafetensors } from './safetensors/decode-safetensors';
import { encodeSafetensors } from './safetensors/encode-safetensors';

/** A small WordLevel tokenizer.json in the layout tokenizers writes. */
export const wordLevelTokenizerJson = JSON.stringify({
  version: '1.0',
  truncation: null,
  padding: null,
  added_tokens: [],
  normalizer: null,
  pre_tokenizer: { type: 'Whitespace' },
  post_processor: null,
  decoder: null,
  model: { type: 'WordLevel', vocab: { '[UNK]': 0, the: 1, cat: 2, sat: 3 }, unk_token: '[UNK]' },
});

async function failure(run: () => Promise<unknown> | unknown): Promise<InseqError> {
  try {
    await run();
  } catch (error) {
    if (!InseqError.isInstance(error)) throw error;
    return error;
  }
  throw new Error('expected an InseqError');
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: asserting their absence.
const controlCharacter = /[\u0000-\u001f\u007f-\u009f]/;

describe('broken and hostile model folders', () => {
  it('config.json that is null or a list: "not a JSON object", naming the file (no TypeError, no "model_type undefined")', async () => {
    for (const [content, holds] of [
      ['null', 'null'],
      ['[1,2]', 'a list ([1,2])'],
      ['42', 'number 42'],
      ['"gpt2"', 'string "gpt2"'],
    ] as const) {
      const files = memoryModelFiles({ 'config.json': content }, 'repo');
      const error = await failure(() => readJsonFile(files, 'config.json'));
      expect(error.code).toBe('INVALID_FILE');
      expect(error.message).toBe(`repo/config.json is not a JSON object: it holds ${holds}; expected {"key": value, ...} as transformers writes it.`);
      // A backend's canLoad says the same, without throwing.
      expect(await checkModelFolder(files, { backend: 'tfjs', requiredFiles: ['config.json'], modelTypes: ['gpt2'] })).toBe(error.message);
      expect((await failure(() => readGenerationConfig(files))).message).toBe(error.message);
    }
    // Called directly with what JSON.parse gave.
    expect((await failure(() => modelConfigFromHf(null as never))).message).toMatch(/^config.json is not a JSON object: it holds null/);
    expect((await failure(() => modelConfigFromHf([1, 2] as never))).message).toMatch(/it holds \[1,2\]/);
  });

  it('generation_config.json and tokenizer_config.json that are null are blamed on themselves', async () => {
    const generation = memoryModelFiles({ 'config.json': '{}', 'generation_config.json': 'null' }, 'repo');
    expect((await failure(() => readGenerationConfig(generation))).message).toMatch(/^repo\/generation_config.json is not a JSON object/);
    const tokenizer = memoryModelFiles({ 'tokenizer.json': wordLevelTokenizerJson, 'tokenizer_config.json': 'null' }, 'repo');
    const error = await failure(() => loadTokenizer(tokenizer));
    expect(error.code).toBe('INVALID_FILE');
    expect(error.message).toMatch(/^repo\/tokenizer_config.json is not a JSON object: it holds null/);
  });

  it('a chat_template the Jinja parser rejects fails only when a chat is formatted, naming the file', async () => {
    const files = memoryModelFiles(
      { 'tokenizer.json': wordLevelTokenizerJson, 'tokenizer_config.json': JSON.stringify({ chat_template: '{% for m in messages %}{{ m.content }' }) },
      'repo',
    );
    const tokenizer = await loadTokenizer(files);
    expect(tokenizer.encode('the cat sat')).toEqual([1, 2, 3]);
    expect(tokenizer.applyChatTemplate).toBeDefined();
    const error = await failure(() => tokenizer.applyChatTemplate!([{ role: 'user', content: 'the cat' }]));
    expect(error.name).toBe('ModelLoadError');
    expect(error.code).toBe('INVALID_FILE');
    expect(error.message).toMatch(/^The chat_template of repo\/tokenizer_config.json is not a Jinja template inseq-ts can parse: /);
    // A valid one still renders.
    const good = await loadTokenizer(
      memoryModelFiles({ 'tokenizer.json': wordLevelTokenizerJson, 'tokenizer_config.json': JSON.stringify({ chat_template: '{% for m in messages %}[{{ m.content }}]{% endfor %}' }) }),
    );
    expect(good.applyChatTemplate!([{ role: 'user', content: 'the cat' }])).toBe('[the cat]');
  });

  it('terminal escape sequences in a config, a safetensors header, an index or a tokenizer never reach a message raw', async () => {
    const hostile = '\x1b]0;pwned\x07\x1b[2J';
    const messages: string[] = [];
    // Bad JSON: V8's message quotes the text.
    messages.push((await failure(() => readJsonFile(memoryModelFiles({ 'config.json': `${hostile}{` }), 'config.json'))).message);
    messages.push((await failure(() => readJsonFile(memoryModelFiles({ 'config.json': JSON.stringify([hostile]) }), 'config.json'))).message);
    messages.push(await checkModelFolder(memoryModelFiles({ 'config.json': JSON.stringify({ model_type: `${hostile}\x9b` }) }), { backend: 'x', requiredFiles: [], modelTypes: [] }) as string);
    messages.push((await failure(() => modelConfigFromHf({ model_type: hostile, n_layer: `${hostile}\x9b` }))).message);
    messages.push((await failure(() => readGenerationConfig(memoryModelFiles({ 'generation_config.json': JSON.stringify({ max_new_tokens: `\x9b${hostile}` }) })))).message);
    // Safetensors: a header that is not JSON, a tensor name, a dtype, a metadata key.
    const header = (text: string) => {
      const json = new TextEncoder().encode(text);
      const bytes = new Uint8Array(8 + json.length);
      new DataView(bytes.buffer).setBigUint64(0, BigInt(json.length), true);
      bytes.set(json, 8);
      return bytes;
    };
    messages.push((await failure(() => decodeSafetensors(header(`${hostile}{}`)))).message);
    messages.push((await failure(() => decodeSafetensors(header(JSON.stringify({ [hostile]: { dtype: 'F32', shape: [1], data_offsets: [0, 8] } }))))).message);
    messages.push((await failure(() => decodeSafetensors(header(JSON.stringify({ a: { dtype: `\x9b${hostile}`, shape: [1], data_offsets: [0, 4] } }))))).message);
    messages.push((await failure(() => decodeSafetensors(header(JSON.stringify({ __metadata__: { [hostile]: 1 } }))))).message);
    messages.push(
      (await failure(() => readModelWeights(memoryModelFiles({ 'model.safetensors.index.json': JSON.stringify({ weight_map: { [hostile]: `${hostile}.safetensors` } }) })))).message,
    );
    messages.push(
      (await failure(() => readModelWeights(memoryModelFiles({ 'model.safetensors.index.json': `{"weight_map": ${hostile}` })))).message,
    );
    // Tokenizer files: tokenizers' own errors quote the content.
    messages.push((await failure(() => loadTokenizer(memoryModelFiles({ 'tokenizer.json': JSON.stringify({ ...JSON.parse(wordLevelTokenizerJson), model: { type: hostile } }) })))).message);
    for (const message of messages) {
      expect(message).not.toMatch(controlCharacter);
      expect(message).toMatch(/\\x1b|\\u001b/);
    }
  });

  it('NaN and ±Infinity weights are refused at load, naming the tensors; allowed with a warning on request', async () => {
    const weights = encodeSafetensors({
      'h.0.attn.weight': { dtype: 'F32', shape: [2, 2], data: [1, Number.NaN, 3, 4] },
      'h.0.mlp.weight': { dtype: 'F16', shape: [3], data: [1, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY] },
      'h.0.ok': { dtype: 'F32', shape: [2], data: [1, 2] },
      // An additive mask (0 and −∞) is what some exports store on purpose.
      'h.0.attn.mask': { dtype: 'F32', shape: [2, 2], data: [0, Number.NEGATIVE_INFINITY, 0, 0] },
    });
    const files: ModelFiles = memoryModelFiles({ 'model.safetensors': weights }, 'repo');
    const error = await failure(() => readModelWeights(files));
    expect(error.name).toBe('ModelLoadError');
    expect(error.code).toBe('INVALID_FILE');
    expect(error.message).toContain(
      "repo/model.safetensors has weights with non-finite values: 'h.0.attn.weight' (1 NaN of 4 values, first at index 1); " +
        "'h.0.mlp.weight' (1 +Infinity, 1 -Infinity of 3 values, first at index 1).",
    );
    expect(error.message).not.toContain('h.0.ok');
    expect(error.message).not.toContain('mask');
    expect(error.message).toContain('allowNonFiniteWeights: true');
    const warnings: string[] = [];
    const read = await readModelWeights(files, { allowNonFiniteWeights: true, onWarning: (message) => warnings.push(message) });
    expect(read.tensors.size).toBe(4);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/'h.0.attn.weight'.*Loaded anyway \(allowNonFiniteWeights\)/);
  });

  it('a tokenizer that maps text to no id is an error, not undefined ids', async () => {
    const noUnk = JSON.stringify({ ...JSON.parse(wordLevelTokenizerJson), model: { type: 'WordLevel', vocab: { the: 0, cat: 1 }, unk_token: '[UNK]' } });
    const tokenizer = await loadTokenizer(memoryModelFiles({ 'tokenizer.json': noUnk }, 'repo'));
    expect(tokenizer.encode('the cat')).toEqual([0, 1]);
    const error = await failure(() => tokenizer.encode('the dog'));
    expect(error.message).toMatch(/^repo\/tokenizer.json gave no valid id for token 1 of the text/);
  });
});
