import { InvalidInputError } from '@inseq/core';
import type { ModelFolder } from './model-folder';

const encoder = new TextEncoder();

/**
 * The folder as an old GPT-2-style repository stores its tokenizer: `vocab.json` (token → id) and
 * `merges.txt` (`#version: 0.2` then one `left right` merge a line, in priority order) taken from
 * the byte-level BPE `tokenizer.json`, which is removed; tokenizer_config.json is kept (its
 * `added_tokens_decoder` and special tokens), and special_tokens_map.json is written from it.
 *
 * @throws {@link InvalidInputError} when tokenizer.json is absent or not a BPE model.
 */
export function vocabMergesTokenizer(files: ModelFolder): ModelFolder {
  const { 'tokenizer.json': tokenizerBytes, ...rest } = files;
  if (!tokenizerBytes) throw new InvalidInputError('vocabMergesTokenizer needs a folder with tokenizer.json.', { code: 'INVALID_ARGUMENT' });
  const tokenizer = JSON.parse(new TextDecoder().decode(tokenizerBytes));
  const model = tokenizer.model;
  if (model?.type !== 'BPE') throw new InvalidInputError(`vocabMergesTokenizer needs a BPE tokenizer.json, got model type ${JSON.stringify(model?.type)}.`, { code: 'INVALID_ARGUMENT' });
  // tokenizers writes merges as "a b" strings (older) or ["a", "b"] pairs (0.20+).
  const merges = (model.merges as (string | [string, string])[]).map((merge) => (typeof merge === 'string' ? merge : merge.join(' ')));
  const out: ModelFolder = {
    ...rest,
    'vocab.json': encoder.encode(JSON.stringify(model.vocab)),
    'merges.txt': encoder.encode(`#version: 0.2\n${merges.join('\n')}\n`),
  };
  if (files['tokenizer_config.json']) {
    const config = JSON.parse(new TextDecoder().decode(files['tokenizer_config.json']));
    const map = Object.fromEntries(['bos_token', 'eos_token', 'unk_token', 'pad_token'].filter((key) => typeof config[key] === 'string').map((key) => [key, config[key]]));
    out['special_tokens_map.json'] = encoder.encode(JSON.stringify(map, null, 2));
  }
  return out;
}
