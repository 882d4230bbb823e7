import { Tokenizer as HfTokenizerImpl } from '@huggingface/tokenizers';
import type { ModelFiles } from '../contracts/model-files';
import { readJsonFile } from '../contracts/model-files';
import { Template } from '@huggingface/jinja';
import type { ChatMessage, SpecialTokenIds, Tokenizer } from '../contracts/tokenizer';
import { InvalidInputError } from '../errors/invalid-input-error';
import { ModelLoadError } from '../errors/model-load-error';
import { byteLevelBpeTokenizerJson } from './byte-level-bpe-tokenizer-json';

type TokenSetting = string | { content?: string } | null | undefined;

function tokenContent(setting: TokenSetting): string | undefined {
  if (typeof setting === 'string') return setting;
  return setting?.content ?? undefined;
}

/**
 * The chat template of tokenizer_config.json: a string, or a list of `{ name, template }` of which
 * the `default` one is used (as transformers does).
 */
function chatTemplateOf(setting: unknown): Template | undefined {
  const source =
    typeof setting === 'string'
      ? setting
      : Array.isArray(setting)
        ? (setting.find((entry) => entry?.name === 'default')?.template as string | undefined)
        : undefined;
  return source === undefined ? undefined : new Template(source);
}

/**
 * Loads `tokenizer.json` (+ `tokenizer_config.json` when present) from a model folder with
 * `@huggingface/tokenizers`, the pure-JS port of HF tokenizers; nothing is fetched remotely. An old
 * GPT-2-style folder without tokenizer.json but with `vocab.json` + `merges.txt` gets the byte-level
 * BPE tokenizer transformers' GPT2TokenizerFast builds from them ({@link byteLevelBpeTokenizerJson}).
 *
 * @throws {@link ModelLoadError} naming the files found when neither is there (a SentencePiece-only
 *   `tokenizer.model` included) and how to write tokenizer.json.
 */
export async function loadTokenizer(files: ModelFiles): Promise<Tokenizer> {
  let tokenizerJson: Record<string, unknown>;
  if (await files.has('tokenizer.json')) tokenizerJson = await readJsonFile(files, 'tokenizer.json');
  else if ((await files.has('vocab.json')) && (await files.has('merges.txt'))) tokenizerJson = await byteLevelBpeTokenizerJson(files);
  else throw new ModelLoadError(await missingTokenizerMessage(files));
  const tokenizerConfig = (await files.has('tokenizer_config.json'))
    ? await readJsonFile(files, 'tokenizer_config.json')
    : {};
  let impl: HfTokenizerImpl;
  try {
    impl = new HfTokenizerImpl(tokenizerJson, tokenizerConfig);
  } catch (cause) {
    throw new ModelLoadError(`${files.location}/tokenizer.json could not be read as a tokenizer: ${(cause as Error).message}`, {
      code: 'INVALID_FILE',
      cause,
    });
  }
  const idOf = (key: string): number | undefined => {
    const content = tokenContent(tokenizerConfig[key] as TokenSetting);
    return content === undefined ? undefined : impl.token_to_id(content);
  };
  const specialTokenIds: SpecialTokenIds = {
    bos: idOf('bos_token'),
    eos: idOf('eos_token'),
    unk: idOf('unk_token'),
    pad: idOf('pad_token'),
  };
  const chatTemplate = chatTemplateOf(tokenizerConfig.chat_template);
  return {
    specialTokenIds,
    encode: (text, options) => impl.encode(text, { add_special_tokens: options?.addSpecialTokens ?? true }).ids,
    ...(chatTemplate && {
      applyChatTemplate: (messages: readonly ChatMessage[], options?: { readonly addGenerationPrompt?: boolean }) => {
        try {
          return chatTemplate.render({
          messages,
          add_generation_prompt: options?.addGenerationPrompt ?? false,
          bos_token: tokenContent(tokenizerConfig.bos_token as TokenSetting) ?? '',
          eos_token: tokenContent(tokenizerConfig.eos_token as TokenSetting) ?? '',
          });
        } catch (cause) {
          // A template's raise_exception (e.g. roles out of order) or a render error.
          throw new InvalidInputError(`The chat template of ${files.location} refused the messages: ${(cause as Error).message}`, { code: 'INVALID_ARGUMENT' });
        }
      },
    }),
    // @huggingface/tokenizers throws on no ids; nothing decodes to the empty text.
    decode: (ids, options) => (ids.length === 0 ? '' : impl.decode([...ids], { skip_special_tokens: options?.skipSpecialTokens ?? false })),
    idToToken: (id) => impl.id_to_token(id) ?? `<id:${id}>`,
    tokenToId: (token) => impl.token_to_id(token) ?? undefined,
  };
}

/** Why a folder has no tokenizer inseq-ts reads: the files found and how to write tokenizer.json. */
async function missingTokenizerMessage(files: ModelFiles): Promise<string> {
  const listed = files.list ? await files.list() : undefined;
  const found = listed === undefined ? '' : ` Files found: ${listed.length > 0 ? listed.join(', ') : 'none'}.`;
  const sentencePiece = listed?.some((name) => name.endsWith('.model') || name.endsWith('spiece.model')) || (await files.has('tokenizer.model'));
  return (
    `${files.location} has no tokenizer.json, nor vocab.json + merges.txt (a GPT-2-style byte-level BPE).${found} ` +
    (sentencePiece
      ? 'Its SentencePiece model (tokenizer.model / *.model) is not read by inseq-ts, which uses the fast-tokenizer file of the Hugging Face layout; '
      : 'inseq-ts reads the fast-tokenizer file of the Hugging Face layout; ') +
    'write it next to config.json (in Python: AutoTokenizer.from_pretrained(folder).save_pretrained(folder), which converts slow tokenizers).'
  );
}
