import type { AttributionModel } from '../contracts/model-backend';
import { InvalidInputError } from '../errors/invalid-input-error';
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
  options: { generatedTexts?: string | readonly string[]; maxNewTokens: number; padId: number },
): Promise<PreparedSequence[]> {
  const inputs = asList(inputTexts);
  if (inputs.length === 0) throw new InvalidInputError('No input texts were given; pass at least one string.');
  const maxPositions = model.backend.config.maxPositions;
  const sourceIds = inputs.map((text, i) => {
    if (typeof text !== 'string') throw new InvalidInputError(`Input text ${i} is not a string.`);
    const ids = model.tokenizer.encode(text);
    if (ids.length === 0) {
      throw new InvalidInputError(`Input text ${i} (${JSON.stringify(text)}) encodes to no tokens; give a non-empty prompt.`);
    }
    if (ids.length > maxPositions) {
      throw new InvalidInputError(
        `Input text ${i} is ${ids.length} tokens long, but the model accepts at most ${maxPositions} (n_positions). Shorten the input.`,
        'INPUT_TOO_LONG',
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
    return generated.map((text, i) => {
      if (typeof text !== 'string' || !text.startsWith(inputs[i])) {
        throw new InvalidInputError(
          `Generated text ${i} (${JSON.stringify(text)}) does not start with its input text (${JSON.stringify(inputs[i])}). ` +
            'For decoder-only models the generated text must be the input followed by the continuation.',
        );
      }
      const targetIds = model.tokenizer.encode(text);
      // Longest prefix fed to the model explains the last token.
      if (targetIds.length - 1 > maxPositions) {
        throw new InvalidInputError(
          `Generated text ${i} is ${targetIds.length} tokens long; the model sees at most ${maxPositions} tokens (n_positions), ` +
            `so targets can be at most ${maxPositions + 1} tokens. Shorten the text.`,
          'INPUT_TOO_LONG',
        );
      }
      return { inputText: inputs[i], generatedText: text, sourceIds: sourceIds[i], targetIds };
    });
  }

  if (!Number.isInteger(options.maxNewTokens) || options.maxNewTokens < 1) {
    throw new InvalidInputError(`maxNewTokens must be a positive integer, got ${options.maxNewTokens}.`, 'INVALID_ARGUMENT');
  }
  const longest = Math.max(...sourceIds.map((ids) => ids.length));
  if (longest + options.maxNewTokens - 1 > maxPositions) {
    throw new InvalidInputError(
      `A ${longest}-token input plus ${options.maxNewTokens} new tokens exceeds the model's ${maxPositions} positions; ` +
        `use maxNewTokens <= ${maxPositions - longest + 1} or a shorter input.`,
      'INPUT_TOO_LONG',
    );
  }
  const special = model.tokenizer.specialTokenIds;
  const configuredStop = model.generationConfig?.eosTokenId ?? model.backend.config.eosTokenId ?? special.eos;
  const stopIds = configuredStop === undefined ? [] : typeof configuredStop === 'number' ? [configuredStop] : [...configuredStop];
  const generateOptions = { maxNewTokens: options.maxNewTokens, stopIds, padId: options.padId };
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
