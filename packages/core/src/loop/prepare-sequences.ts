import type { AttributionModel } from '../contracts/model-backend';
import { InvalidInputError } from '../errors/invalid-input-error';
import { generateEncoderDecoder } from './generate-encoder-decoder';
import { generateGreedy } from './generate-greedy';

/** A sequence ready for attribution: its prompt and the full target (prompt + continuation). */
export interface PreparedSequence {
  readonly inputText: string;
  readonly generatedText: string;
  readonly sourceIds: number[];
  readonly targetIds: number[];
}

function asList(value: string | readonly string[]): string[] {
  return typeof value === 'string' ? [value] : [...value];
}

/**
 * Tokenises the inputs and produces their targets, forced (`generatedTexts`) or generated
 * greedily, with Inseq's decoder-only rules: the target contains the prompt.
 */
export async function prepareSequences(
  model: AttributionModel,
  inputTexts: string | readonly string[],
  options: {
    generatedTexts?: string | readonly string[];
    maxNewTokens: number;
    /** Total length cap (prompt + new tokens, the longest prompt of the batch), replacing `maxNewTokens`. */
    maxLength?: number;
    padId: number;
    chatTemplate?: boolean;
  },
): Promise<PreparedSequence[]> {
  const given = asList(inputTexts);
  if (given.length === 0) throw new InvalidInputError('No input texts were given; pass at least one string.');
  // With a chat template, each input is a user turn and the prompt is the rendered chat (its
  // special tokens written by the template, so none are added when encoding).
  const chat = options.chatTemplate === true;
  if (chat && !model.tokenizer.applyChatTemplate) {
    throw new InvalidInputError(
      `chatTemplate was asked, but ${model.name}'s tokenizer_config.json has no chat_template; attribute the plain text instead.`, { code: 'INVALID_ARGUMENT' },
    );
  }
  const inputs = chat
    ? given.map((text) => model.tokenizer.applyChatTemplate!([{ role: 'user', content: String(text) }], { addGenerationPrompt: true }))
    : given;
  const encodeText = (text: string) => (chat ? model.tokenizer.encode(text, { addSpecialTokens: false }) : model.tokenizer.encode(text));
  const maxPositions = model.backend.config.maxPositions;
  const sourceIds = inputs.map((text, i) => {
    if (typeof text !== 'string') throw new InvalidInputError(`Input text ${i} is not a string.`);
    const ids = encodeText(text);
    if (ids.length === 0) {
      throw new InvalidInputError(`Input text ${i} (${JSON.stringify(text)}) encodes to no tokens; give a non-empty prompt.`);
    }
    if (ids.length > maxPositions) {
      throw new InvalidInputError(
        `Input text ${i} is ${ids.length} tokens long, but the model accepts at most ${maxPositions} (n_positions). Shorten the input.`, { code: 'INPUT_TOO_LONG' },
      );
    }
    return ids;
  });

  if (options.generatedTexts !== undefined) {
    const generated = asList(options.generatedTexts);
    if (generated.length !== inputs.length) {
      throw new InvalidInputError(
        `Got ${inputs.length} input texts but ${generated.length} generated texts; give one generated text per input.`,
      );
    }
    return generated.map((given, i) => {
      // With a chat template the generated texts are the assistant's replies, appended to the chat.
      const text = chat && typeof given === 'string' ? inputs[i] + given : given;
      if (typeof text !== 'string' || !text.startsWith(inputs[i])) {
        throw new InvalidInputError(
          `Generated text ${i} (${JSON.stringify(text)}) does not start with its input text (${JSON.stringify(inputs[i])}). ` +
            'For decoder-only models the generated text must be the input followed by the continuation.',
        );
      }
      const targetIds = encodeText(text);
      // Longest prefix fed to the model explains the last token.
      if (targetIds.length - 1 > maxPositions) {
        throw new InvalidInputError(
          `Generated text ${i} is ${targetIds.length} tokens long; the model sees at most ${maxPositions} tokens (n_positions), ` +
            `so targets can be at most ${maxPositions + 1} tokens. Shorten the text.`, { code: 'INPUT_TOO_LONG' },
        );
      }
      return { inputText: inputs[i], generatedText: text, sourceIds: sourceIds[i], targetIds };
    });
  }

  const longest = Math.max(...sourceIds.map((ids) => ids.length));
  const maxNewTokens = options.maxLength === undefined ? options.maxNewTokens : newTokensWithin(options.maxLength, longest, model.name);
  if (!Number.isInteger(maxNewTokens) || maxNewTokens < 1) {
    throw new InvalidInputError(`maxNewTokens must be a positive integer, got ${maxNewTokens}.`, { code: 'INVALID_ARGUMENT' });
  }
  if (longest + maxNewTokens - 1 > maxPositions) {
    throw new InvalidInputError(
      `A ${longest}-token input plus ${maxNewTokens} new tokens exceeds the model's ${maxPositions} positions; ` +
        `use maxNewTokens <= ${maxPositions - longest + 1} or a shorter input.`, { code: 'INPUT_TOO_LONG' },
    );
  }
  const special = model.tokenizer.specialTokenIds;
  const configuredStop = model.generationConfig?.eosTokenId ?? model.backend.config.eosTokenId ?? special.eos;
  const stopIds = configuredStop === undefined ? [] : typeof configuredStop === 'number' ? [configuredStop] : [...configuredStop];
  const generateOptions = { maxNewTokens, stopIds, padId: options.padId };
  const targets = model.backend.generate
    ? await model.backend.generate(sourceIds, generateOptions)
    : await generateGreedy(model.backend, sourceIds, generateOptions);
  return targets.map((targetIds, i) => ({
    inputText: inputs[i],
    generatedText: model.tokenizer.decode(targetIds, { skipSpecialTokens: true }),
    sourceIds: sourceIds[i],
    targetIds,
  }));
}

/** Options of {@link prepareEncoderDecoderSequences}. */
export interface EncoderDecoderPrepareOptions {
  readonly generatedTexts?: string | readonly string[];
  readonly maxNewTokens: number;
  /** Decoder length cap (start token and target prefix included), replacing `maxNewTokens`. */
  readonly maxLength?: number;
  readonly padId: number;
  /** Use `generatedTexts` as target prefixes and generate their continuations. */
  readonly generateFromTargetPrefix?: boolean;
  /** Target language code: forced as the first generated token (mBART, M2M100, NLLB). */
  readonly tgtLang?: string;
  /** Source language code: added to the source as the tokenizer family does (see below). */
  readonly srcLang?: string;
}

/** The id of a language code, or a clear error naming the tokenizer's lack of it. */
function languageId(model: AttributionModel, code: string, option: string): number {
  const id = model.tokenizer.tokenToId?.(code);
  if (id === undefined) {
    throw new InvalidInputError(
      `${option} ${JSON.stringify(code)} is not a token of ${model.name}'s tokenizer; multilingual models name languages ` +
        `as their vocabulary does (mBART 'it_IT', M2M100 '__it__', NLLB 'ita_Latn').`, { code: 'INVALID_ARGUMENT' },
    );
  }
  return id;
}

/**
 * Encoder-decoder preparation with Inseq's rules: `source` = the encoder tokens as the tokenizer
 * makes them (with `</s>`); `target` = `decoder_start_token_id` followed by the generation —
 * either the forced `generatedTexts` tokenised as labels (their `</s>` included), or a greedy
 * generation whose eos is kept. `srcLang` is added to the source (prefix for M2M100 / NLLB, after
 * `</s>` for mBART); `tgtLang` forces the first generated token.
 */
export async function prepareEncoderDecoderSequences(
  model: AttributionModel,
  inputTexts: string | readonly string[],
  options: EncoderDecoderPrepareOptions,
): Promise<PreparedSequence[]> {
  const inputs = asList(inputTexts);
  if (inputs.length === 0) throw new InvalidInputError('No input texts were given; pass at least one string.');
  const { config } = model.backend;
  const generation = model.generationConfig;
  const start = generation?.decoderStartTokenId ?? config.decoderStartTokenId ?? generation?.bosTokenId ?? config.padTokenId;
  if (start === undefined) {
    throw new InvalidInputError(
      `${model.name}'s config.json has no decoder_start_token_id (nor pad_token_id); an encoder-decoder target starts with it.`, { code: 'INVALID_ARGUMENT' },
    );
  }
  const srcLang = options.srcLang === undefined ? undefined : languageId(model, options.srcLang, 'srcLang');
  const forcedBosTokenId =
    options.tgtLang === undefined
      ? (generation?.forcedBosTokenId ?? (config.raw.forced_bos_token_id as number | undefined) ?? undefined)
      : languageId(model, options.tgtLang, 'tgtLang');
  const sourceIds = inputs.map((text, i) => {
    if (typeof text !== 'string') throw new InvalidInputError(`Input text ${i} is not a string.`);
    let ids = model.tokenizer.encode(text);
    if (srcLang !== undefined && !ids.includes(srcLang)) ids = config.modelType === 'mbart' ? [...ids, srcLang] : [srcLang, ...ids];
    if (ids.length === 0) throw new InvalidInputError(`Input text ${i} (${JSON.stringify(text)}) encodes to no tokens; give a non-empty input.`);
    if (ids.length > config.maxPositions) {
      throw new InvalidInputError(
        `Input text ${i} is ${ids.length} tokens long, but the encoder accepts at most ${config.maxPositions} (max_position_embeddings). Shorten the input.`, { code: 'INPUT_TOO_LONG' },
      );
    }
    return ids;
  });
  const eos = model.generationConfig?.eosTokenId ?? config.eosTokenId ?? model.tokenizer.specialTokenIds.eos;
  const stopIds = eos === undefined ? [] : typeof eos === 'number' ? [eos] : [...eos];
  const checkLength = (ids: readonly number[], i: number) => {
    if (ids.length - 1 > config.maxPositions) {
      throw new InvalidInputError(
        `Target ${i} is ${ids.length} tokens long; the decoder sees at most ${config.maxPositions} positions. Shorten it.`, { code: 'INPUT_TOO_LONG' },
      );
    }
  };
  const generated = options.generatedTexts === undefined ? undefined : asList(options.generatedTexts);
  if (generated !== undefined && generated.length !== inputs.length) {
    throw new InvalidInputError(`Got ${inputs.length} input texts but ${generated.length} generated texts; give one generated text per input.`);
  }
  let targets: number[][];
  if (generated !== undefined && !options.generateFromTargetPrefix) {
    targets = generated.map((text, i) => {
      if (typeof text !== 'string') throw new InvalidInputError(`Generated text ${i} is not a string.`);
      const ids = [start, ...(forcedBosTokenId === undefined ? [] : [forcedBosTokenId]), ...model.tokenizer.encode(text)];
      checkLength(ids, i);
      return ids;
    });
  } else {
    // A target prefix is the label sequence without its closing eos, so generation continues it.
    const prefixes = inputs.map((_, i) => {
      if (generated === undefined) return [start];
      const ids = model.tokenizer.encode(generated[i]);
      while (ids.length > 0 && stopIds.includes(ids[ids.length - 1])) ids.pop();
      return [start, ...(forcedBosTokenId === undefined ? [] : [forcedBosTokenId]), ...ids];
    });
    const longestPrefix = Math.max(...prefixes.map((ids) => ids.length));
    const maxNewTokens = options.maxLength === undefined ? options.maxNewTokens : newTokensWithin(options.maxLength, longestPrefix, model.name);
    if (!Number.isInteger(maxNewTokens) || maxNewTokens < 1) {
      throw new InvalidInputError(`maxNewTokens must be a positive integer, got ${maxNewTokens}.`, { code: 'INVALID_ARGUMENT' });
    }
    targets = await generateEncoderDecoder(model.backend, sourceIds, prefixes, {
      maxNewTokens,
      stopIds,
      padId: options.padId,
      ...(generated === undefined && forcedBosTokenId !== undefined && { forcedBosTokenId }),
    });
    targets.forEach(checkLength);
  }
  return targets.map((targetIds, i) => ({
    inputText: inputs[i],
    generatedText: model.tokenizer.decode(targetIds, { skipSpecialTokens: true }),
    sourceIds: sourceIds[i],
    targetIds,
  }));
}

/** New tokens that generation_config.json's `max_length` leaves after `used` tokens, or a clear error when none. */
function newTokensWithin(maxLength: number, used: number, modelName: string): number {
  if (maxLength - used < 1) {
    throw new InvalidInputError(
      `${modelName}'s generation_config.json sets max_length ${maxLength}, which leaves no room to generate after ${used} tokens ` +
        '(max_length counts the prompt, as in transformers); pass maxNewTokens.', { code: 'INVALID_ARGUMENT' },
    );
  }
  return maxLength - used;
}
