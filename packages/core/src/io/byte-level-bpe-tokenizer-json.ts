import type { ModelFiles } from '../contracts/model-files';
import { readJsonFile } from '../contracts/model-files';
import { ModelLoadError } from '../errors/model-load-error';
import { untrustedJson } from '../errors/quote-untrusted';

type TokenSetting = string | { content?: string; lstrip?: boolean; rstrip?: boolean; normalized?: boolean; single_word?: boolean; special?: boolean } | null | undefined;

/** The special-token keys of tokenizer_config.json / special_tokens_map.json, as transformers names them. */
const specialTokenKeys = ['bos_token', 'eos_token', 'unk_token', 'sep_token', 'pad_token', 'cls_token', 'mask_token'] as const;

/**
 * Builds, from an old GPT-2-style repository's `vocab.json` + `merges.txt`, the `tokenizer.json`
 * object that transformers' `GPT2TokenizerFast` makes of them (its `GPT2Converter`): a BPE model
 * without unknown token or affixes, a ByteLevel pre-tokenizer (`add_prefix_space` from
 * tokenizer_config.json, default false), a ByteLevel decoder, a ByteLevel post-processor (or a
 * `bos $A` template when `add_bos_token`), and as added tokens the special tokens of
 * tokenizer_config.json (`added_tokens_decoder`, `bos_token`, …), special_tokens_map.json and
 * added_tokens.json. `@huggingface/tokenizers` reads the result.
 *
 * Other tokenizers stored as vocab.json + merges.txt (BART's and RoBERTa's add `<s> … </s>`, Qwen2's
 * splits text differently) would be built wrongly, so they are refused: tokenizer_config.json must
 * name `GPT2Tokenizer` / `GPT2TokenizerFast`, or name no class in a `gpt2` folder (the original repositories).
 *
 * @throws {@link ModelLoadError} `'INVALID_FILE'` for a malformed vocab.json or merges.txt;
 *   `'MODEL_LOAD'` for another tokenizer class.
 */
export async function byteLevelBpeTokenizerJson(files: ModelFiles): Promise<Record<string, unknown>> {
  await checkGpt2Tokenizer(files);
  const vocabRaw = await readJsonFile<unknown>(files, 'vocab.json');
  if (typeof vocabRaw !== 'object' || vocabRaw === null || Array.isArray(vocabRaw) || !Object.values(vocabRaw).every((id) => Number.isInteger(id) && (id as number) >= 0)) {
    throw new ModelLoadError(`${files.location}/vocab.json is not a {"token": id} map of non-negative integer ids.`, { code: 'INVALID_FILE' });
  }
  const vocab = { ...(vocabRaw as Record<string, number>) };
  const merges: string[] = [];
  const lines = new TextDecoder().decode(await files.read('merges.txt')).split(/\r?\n/);
  for (const [i, line] of lines.entries()) {
    // The first line of the files GPT-2 and tokenizers write is '#version: 0.2'.
    if (line === '' || (i === 0 && line.startsWith('#version'))) continue;
    const parts = line.split(' ');
    if (parts.length !== 2 || parts[0] === '' || parts[1] === '') {
      throw new ModelLoadError(`${files.location}/merges.txt line ${i + 1} is ${untrustedJson(line, 120)}; expected two symbols separated by one space.`, {
        code: 'INVALID_FILE',
      });
    }
    merges.push(line);
  }
  const config = (await files.has('tokenizer_config.json')) ? await readJsonFile(files, 'tokenizer_config.json') : {};
  const specialMap = (await files.has('special_tokens_map.json')) ? await readJsonFile(files, 'special_tokens_map.json') : {};
  const addedIds = (await files.has('added_tokens.json')) ? await readJsonFile<Record<string, number>>(files, 'added_tokens.json') : {};

  // Added tokens by id: added_tokens.json and added_tokens_decoder first, then the named special tokens.
  const added = new Map<number, Record<string, unknown>>();
  const byContent = new Map<string, number>(Object.entries(vocab));
  // A loop, not Math.max(...ids): vocabularies of 100k+ ids would overflow the argument stack.
  let largestId = -1;
  for (const id of byContent.values()) largestId = Math.max(largestId, id);
  const nextId = () => ++largestId;
  const add = (setting: TokenSetting, special: boolean, id?: number) => {
    const content = typeof setting === 'string' ? setting : setting?.content;
    if (!content) return;
    const tokenId = id ?? byContent.get(content) ?? nextId();
    largestId = Math.max(largestId, tokenId);
    if (added.has(tokenId)) return;
    const options = typeof setting === 'object' && setting ? setting : {};
    added.set(tokenId, {
      id: tokenId,
      content,
      single_word: options.single_word ?? false,
      lstrip: options.lstrip ?? false,
      rstrip: options.rstrip ?? false,
      normalized: options.normalized ?? !special,
      special: options.special ?? special,
    });
    byContent.set(content, tokenId);
  };
  for (const [content, id] of Object.entries(addedIds)) add(content, false, id);
  const decoderEntries = config.added_tokens_decoder;
  if (decoderEntries && typeof decoderEntries === 'object') {
    for (const [id, setting] of Object.entries(decoderEntries as Record<string, TokenSetting>)) add(setting, true, Number(id));
  }
  for (const source of [config, specialMap]) {
    for (const key of specialTokenKeys) add(source[key] as TokenSetting, true);
    const extra = source.additional_special_tokens;
    if (Array.isArray(extra)) for (const setting of extra) add(setting as TokenSetting, true);
  }

  const addPrefixSpace = config.add_prefix_space === true;
  const bos = typeof config.bos_token === 'string' ? config.bos_token : (config.bos_token as { content?: string } | undefined)?.content;
  const postProcessor =
    config.add_bos_token === true && bos !== undefined
      ? {
          type: 'TemplateProcessing',
          single: [{ SpecialToken: { id: bos, type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }],
          pair: [{ SpecialToken: { id: bos, type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { Sequence: { id: 'B', type_id: 1 } }],
          special_tokens: { [bos]: { id: bos, ids: [byContent.get(bos)], tokens: [bos] } },
        }
      : { type: 'ByteLevel', add_prefix_space: true, trim_offsets: false, use_regex: true };
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [...added.values()].sort((a, b) => (a.id as number) - (b.id as number)),
    normalizer: null,
    pre_tokenizer: { type: 'ByteLevel', add_prefix_space: addPrefixSpace, trim_offsets: true, use_regex: true },
    post_processor: postProcessor,
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: '',
      end_of_word_suffix: '',
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab,
      merges,
    },
  };
}

const gpt2TokenizerClasses = ['GPT2Tokenizer', 'GPT2TokenizerFast'];

/** Refuses vocab.json + merges.txt tokenizers other than GPT-2's, naming the class and the fix. */
async function checkGpt2Tokenizer(files: ModelFiles): Promise<void> {
  const config = (await files.has('tokenizer_config.json')) ? await readJsonFile(files, 'tokenizer_config.json') : {};
  const tokenizerClass = config.tokenizer_class;
  let refused: string | undefined;
  if (tokenizerClass !== undefined && tokenizerClass !== null) {
    if (!gpt2TokenizerClasses.includes(String(tokenizerClass))) refused = `tokenizer_config.json names ${untrustedJson(tokenizerClass, 80)}`;
  } else {
    const modelType = (await files.has('config.json')) ? (await readJsonFile(files, 'config.json')).model_type : undefined;
    if (modelType !== undefined && modelType !== 'gpt2') refused = `the model_type is ${untrustedJson(modelType, 80)} and tokenizer_config.json names no tokenizer_class`;
  }
  if (refused !== undefined) {
    throw new ModelLoadError(
      `${files.location} has vocab.json + merges.txt but no tokenizer.json, and ${refused}: inseq-ts builds only GPT-2's byte-level BPE ` +
        '(GPT2Tokenizer) from them. Write tokenizer.json next to config.json (in Python: AutoTokenizer.from_pretrained(folder).save_pretrained(folder)).',
    );
  }
}
