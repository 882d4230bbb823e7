import type { GenerationConfig } from '../contracts/model-config';
import { type ModelFiles, readJsonFile } from '../contracts/model-files';
import { ModelLoadError } from '../errors/model-load-error';
import { untrustedJson } from '../errors/quote-untrusted';

/** generation_config.json keys and how each becomes a {@link GenerationConfig} field. */
const fields = [
  ['max_new_tokens', 'maxNewTokens', 'positive'],
  ['max_length', 'maxLength', 'positive'],
  ['eos_token_id', 'eosTokenId', 'ids'],
  ['bos_token_id', 'bosTokenId', 'id'],
  ['pad_token_id', 'padTokenId', 'id'],
  ['forced_bos_token_id', 'forcedBosTokenId', 'id'],
  ['decoder_start_token_id', 'decoderStartTokenId', 'id'],
] as const;

/**
 * Reads a folder's decoding settings: `generation_config.json`'s `max_new_tokens`, `max_length`,
 * `eos_token_id` (an id or a list: generation stops at any), `bos_token_id`, `pad_token_id`,
 * `forced_bos_token_id` and `decoder_start_token_id`, each falling back to config.json's value
 * (legacy checkpoints keep them there; transformers reads them from the model config too). `null`
 * means unset. Other keys (sampling, beams) are ignored: attribution decodes greedily.
 *
 * @param config - config.json's object, for the fallbacks; read from the folder when omitted.
 * @returns `undefined` when neither file sets any of these.
 * @throws {@link ModelLoadError} `'INVALID_FILE'` naming a field of the wrong type.
 */
export async function readGenerationConfig(files: ModelFiles, config?: Readonly<Record<string, unknown>>): Promise<GenerationConfig | undefined> {
  const generation = (await files.has('generation_config.json')) ? await readJsonFile(files, 'generation_config.json') : {};
  const model: Readonly<Record<string, unknown>> = config ?? ((await files.has('config.json')) ? await readJsonFile(files, 'config.json') : {});
  const out: Record<string, number | number[]> = {};
  for (const [key, field, kind] of fields) {
    const inGeneration = generation[key] !== undefined && generation[key] !== null;
    const value = inGeneration ? generation[key] : model[key];
    if (value === undefined || value === null) continue;
    const file = inGeneration ? 'generation_config.json' : 'config.json';
    const isId = (id: unknown) => Number.isSafeInteger(id) && (id as number) >= 0;
    const ok =
      kind === 'positive' ? Number.isSafeInteger(value) && (value as number) > 0
      : kind === 'id' ? isId(value)
      : isId(value) || (Array.isArray(value) && value.length > 0 && value.every(isId));
    if (!ok) {
      const expected = kind === 'positive' ? 'a positive integer' : kind === 'id' ? 'a token id (non-negative integer)' : 'a token id or a non-empty list of ids';
      throw new ModelLoadError(`${files.location}/${file} has ${key} ${untrustedJson(value, 60)}; expected ${expected} or null.`, { code: 'INVALID_FILE' });
    }
    out[field] = Array.isArray(value) ? [...value] : (value as number);
  }
  return Object.keys(out).length === 0 ? undefined : (out as GenerationConfig);
}
