import { Tokenizer as HfTokenizerImpl } from '@huggingface/tokenizers';
import type { ModelFiles } from '../contracts/model-files';
import { readJsonFile } from '../contracts/model-files';
import type { SpecialTokenIds, Tokenizer } from '../contracts/tokenizer';
import { ModelLoadError } from '../errors/model-load-error';

type TokenSetting = string | { content?: string } | null | undefined;

function tokenContent(setting: TokenSetting): string | undefined {
  if (typeof setting === 'string') return setting;
  return setting?.content ?? undefined;
}

/**
 * Loads `tokenizer.json` (+ `tokenizer_config.json` when present) from a model folder with
 * `@huggingface/tokenizers`, the pure-JS port of HF tokenizers; nothing is fetched remotely.
 */
export async function loadTokenizer(files: ModelFiles): Promise<Tokenizer> {
  if (!(await files.has('tokenizer.json'))) {
    throw new ModelLoadError(
      `${files.location} has no tokenizer.json. inseq-ts reads the fast-tokenizer file of the Hugging Face layout; ` +
        `save it next to config.json (in Python: AutoTokenizer.from_pretrained(...).save_pretrained(folder)).`,
    );
  }
  const tokenizerJson = await readJsonFile(files, 'tokenizer.json');
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
  return {
    specialTokenIds,
    encode: (text) => impl.encode(text).ids,
    decode: (ids, options) => impl.decode([...ids], { skip_special_tokens: options?.skipSpecialTokens ?? false }),
    idToToken: (id) => impl.id_to_token(id) ?? `<id:${id}>`,
    tokenToId: (token) => impl.token_to_id(token) ?? undefined,
  };
}
