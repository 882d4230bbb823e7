import { Tokenizer as HfTokenizerImpl } from '@huggingface/tokenizers';
import type { ModelFiles } from '../contracts/model-files';
import { readJsonFile } from '../contracts/model-files';
import { Template } from '@huggingface/jinja';
import type { ChatMessage, SpecialTokenIds, Tokenizer } from '../contracts/tokenizer';
import { InvalidInputError } from '../errors/invalid-input-error';
import { ModelLoadError } from '../errors/model-load-error';
import { escapeUntrusted } from '../errors/quote-untrusted';
import { byteLevelBpeTokenizerJson } from './byte-level-bpe-tokenizer-json';

type TokenSetting = string | { content?: string } | null | undefined;

function tokenContent(setting: TokenSetting): string | undefined {
  if (typeof setting === 'string') return setting;
  return setting?.content ?? undefined;
}

/**
 * The source of tokenizer_config.json's chat template: a string, or a list of `{ name, template }`
 * of which the `default` one is used (as transformers does). Parsed only when a chat is formatted
 * (see `applyChatTemplate`), so a template the Jinja parser rejects fails only the runs that ask for it.
 */
function chatTemplateSource(setting: unknown): string | undefined {
  if (typeof setting === 'string') return setting;
  if (!Array.isArray(setting)) return undefined;
  const entry = setting.find((candidate) => typeof candidate === 'object' && candidate !== null && candidate.name === 'default');
  return typeof entry?.template === 'string' ? entry.template : undefined;
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
  const hasConfig = await files.has('tokenizer_config.json');
  const tokenizerConfig = hasConfig ? await readJsonFile(files, 'tokenizer_config.json') : {};
  let impl: HfTokenizerImpl;
  try {
    impl = new HfTokenizerImpl(tokenizerJson, tokenizerConfig);
  } catch (cause) {
    const read = `tokenizer.json${hasConfig ? ' with tokenizer_config.json' : ''}`;
    throw new ModelLoadError(`${files.location}/${read} could not be read as a tokenizer: ${escapeUntrusted(String((cause as Error)?.message ?? cause))}`, {
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
  const chatTemplateText = chatTemplateSource(tokenizerConfig.chat_template);
  let chatTemplate: Template | undefined;
  const parsedChatTemplate = (source: string): Template => {
    if (chatTemplate) return chatTemplate;
    try {
      chatTemplate = new Template(source);
    } catch (cause) {
      throw new ModelLoadError(
        `The chat_template of ${files.location}/tokenizer_config.json is not a Jinja template inseq-ts can parse: ` +
          `${escapeUntrusted(String((cause as Error)?.message ?? cause))}. Fix or remove it there, or attribute without a chat template.`,
        { code: 'INVALID_FILE', cause },
      );
    }
    return chatTemplate;
  };
  return {
    specialTokenIds,
    encode: (text, options) => {
      const ids = impl.encode(text, { add_special_tokens: options?.addSpecialTokens ?? true }).ids;
      // A tokenizer.json whose model cannot map a piece of text (no usable unk_token) yields undefined ids,
      // which would become NaN embeddings downstream.
      const bad = ids.findIndex((id) => !Number.isSafeInteger(id) || id < 0);
      if (bad >= 0) {
        throw new ModelLoadError(
          `${files.location}/tokenizer.json gave no valid id for token ${bad} of the text (got ${String(ids[bad])}): its model could not map ` +
            'that piece of the text to an id (an unk_token missing from the vocabulary, or none set). Fix tokenizer.json or re-save it with transformers.',
          { code: 'INVALID_FILE' },
        );
      }
      return ids;
    },
    ...(chatTemplateText !== undefined && {
      applyChatTemplate: (messages: readonly ChatMessage[], options?: { readonly addGenerationPrompt?: boolean }) => {
        const template = parsedChatTemplate(chatTemplateText);
        try {
          return template.render({
            messages,
            add_generation_prompt: options?.addGenerationPrompt ?? false,
            bos_token: tokenContent(tokenizerConfig.bos_token as TokenSetting) ?? '',
            eos_token: tokenContent(tokenizerConfig.eos_token as TokenSetting) ?? '',
          });
        } catch (cause) {
          // A template's raise_exception (e.g. roles out of order) or a render error.
          throw new InvalidInputError(
            `The chat template of ${files.location}/tokenizer_config.json refused the messages: ${escapeUntrusted(String((cause as Error)?.message ?? cause))}`,
            { code: 'INVALID_ARGUMENT', cause },
          );
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
