import { describe, expect, it } from 'vitest';
import { memoryModelFiles } from '../contracts/model-files';
import { InseqError } from '../errors/inseq-error';
import { readGenerationConfig } from './read-generation-config';

const folder = (generation: unknown, config: unknown = {}) =>
  memoryModelFiles(
    { 'config.json': JSON.stringify(config), ...(generation !== undefined && { 'generation_config.json': JSON.stringify(generation) }) },
    'repo',
  );

describe('readGenerationConfig', () => {
  it('reads every decoding field of generation_config.json', async () => {
    const generation = {
      max_new_tokens: 12,
      max_length: 40,
      eos_token_id: [2, 7],
      bos_token_id: 0,
      pad_token_id: 1,
      forced_bos_token_id: 5,
      decoder_start_token_id: 3,
      do_sample: true,
      num_beams: 4,
    };
    expect(await readGenerationConfig(folder(generation))).toEqual({
      maxNewTokens: 12,
      maxLength: 40,
      eosTokenId: [2, 7],
      bosTokenId: 0,
      padTokenId: 1,
      forcedBosTokenId: 5,
      decoderStartTokenId: 3,
    });
  });

  it("falls back to config.json's values field by field; null means unset", async () => {
    const config = { eos_token_id: 9, pad_token_id: 8, max_length: 20, forced_bos_token_id: null, decoder_start_token_id: 6 };
    expect(await readGenerationConfig(folder({ eos_token_id: 2, pad_token_id: null }, config))).toEqual({
      eosTokenId: 2,
      padTokenId: 8,
      maxLength: 20,
      decoderStartTokenId: 6,
    });
    expect(await readGenerationConfig(folder(undefined, config))).toEqual({ eosTokenId: 9, padTokenId: 8, maxLength: 20, decoderStartTokenId: 6 });
    // The config object passed in is used instead of reading config.json again.
    expect(await readGenerationConfig(folder(undefined, config), { bos_token_id: 4 })).toEqual({ bosTokenId: 4 });
    expect(await readGenerationConfig(folder(undefined, {}))).toBeUndefined();
  });

  it('names the file and field of a malformed value', async () => {
    for (const [generation, config, fragment] of [
      [{ max_length: 0 }, {}, 'repo/generation_config.json has max_length 0; expected a positive integer'],
      [{ max_new_tokens: 2.5 }, {}, 'max_new_tokens 2.5'],
      [{ eos_token_id: [] }, {}, 'eos_token_id []; expected a token id or a non-empty list of ids'],
      [{ eos_token_id: ['</s>'] }, {}, 'eos_token_id ["</s>"]'],
      [{}, { pad_token_id: -1 }, 'repo/config.json has pad_token_id -1; expected a token id'],
    ] as const) {
      const error = await readGenerationConfig(folder(generation, config)).catch((caught: unknown) => caught);
      expect(InseqError.isInstance(error) && error.code).toBe('INVALID_FILE');
      expect((error as Error).message).toContain(fragment);
    }
  });
});
