import type { AttributionModel } from '../contracts/model-backend';
import { InvalidInputError } from '../errors/invalid-input-error';
import { alignTokens } from './align-tokens';
import type { AttributeOptions, ContrastAlignment } from './attribute-options';
import type { PreparedSequence } from './prepare-sequences';

/** A sequence's contrastive alternative: its tokens and, per target position, the aligned position. */
export interface ContrastPlan {
  readonly ids: readonly number[];
  /** Encoder-decoder with `contrastSources`: the contrastive source the alternative is scored on. */
  readonly sourceIds?: readonly number[];
  /** `[targetLength]`: contrastive position aligned to each target position. */
  readonly alignment: Int32Array;
}

function isPair(value: unknown): value is readonly [number, number] {
  return Array.isArray(value) && value.length === 2 && value.every((v) => Number.isInteger(v) && v >= 0);
}

function alignmentFor(
  option: AttributeOptions['contrastTargetsAlignments'],
  index: number,
  count: number,
): 'auto' | ContrastAlignment {
  if (option === undefined || option === 'auto') return 'auto';
  if (!Array.isArray(option)) {
    throw new InvalidInputError(`contrastTargetsAlignments must be 'auto' or lists of [target, contrast] pairs.`, { code: 'INVALID_ARGUMENT' });
  }
  if (option.length === 0 || isPair(option[0])) return option as ContrastAlignment;
  if (option.length !== count) {
    throw new InvalidInputError(
      `contrastTargetsAlignments has ${option.length} lists for ${count} inputs; give one list per input, or one list for all.`, { code: 'INVALID_ARGUMENT' },
    );
  }
  return option[index] as ContrastAlignment;
}

/**
 * Tokenises the contrastive targets and aligns them to the targets; `undefined` when the run has
 * none. Decoder-only rule as for generated texts: each alternative starts with its input text.
 */
export function planContrast(
  model: AttributionModel,
  sequences: readonly PreparedSequence[],
  options: AttributeOptions,
): ContrastPlan[] | undefined {
  if (options.contrastTargets === undefined) return undefined;
  const texts = typeof options.contrastTargets === 'string' ? [options.contrastTargets] : [...options.contrastTargets];
  if (texts.length !== sequences.length) {
    throw new InvalidInputError(
      `Got ${sequences.length} inputs but ${texts.length} contrastive targets; give one per input.`, { code: 'INVALID_ARGUMENT' },
    );
  }
  const encoderDecoder = model.backend.config.isEncoderDecoder;
  const sources = options.contrastSources === undefined ? undefined : typeof options.contrastSources === 'string' ? [options.contrastSources] : [...options.contrastSources];
  if (sources !== undefined && (!encoderDecoder || sources.length !== sequences.length)) {
    throw new InvalidInputError(
      encoderDecoder
        ? `Got ${sequences.length} inputs but ${sources.length} contrastive sources; give one per input.`
        : `contrastSources apply to encoder-decoder models; '${model.name}' is decoder-only (put the alternative prompt in contrastTargets).`, { code: 'INVALID_ARGUMENT' },
    );
  }
  const start = model.generationConfig?.decoderStartTokenId ?? model.backend.config.decoderStartTokenId ?? model.generationConfig?.bosTokenId ?? model.backend.config.padTokenId ?? 0;
  return texts.map((text, i) => {
    const sequence = sequences[i];
    // Decoder-only alternatives restate the prompt; encoder-decoder ones are target texts only.
    // Scored on its own prefix (contrastForceInputs), a decoder-only alternative may have another
    // prompt (PECoRe's contextless input).
    const ownPrefix = options.contrastForceInputs === true;
    if (typeof text !== 'string' || (!encoderDecoder && !ownPrefix && !text.startsWith(sequence.inputText))) {
      throw new InvalidInputError(
        `Contrastive target ${i} (${JSON.stringify(text)}) does not start with its input text (${JSON.stringify(sequence.inputText)}); set contrastForceInputs to score it on its own prompt.`,
      );
    }
    const ids = encoderDecoder ? [start, ...model.tokenizer.encode(text)] : model.tokenizer.encode(text);
    const sourceIds = sources && model.tokenizer.encode(sources[i]);
    const alignment = alignmentFor(options.contrastTargetsAlignments, i, texts.length);
    if (alignment === 'auto') return { ids, alignment: alignTokens(sequence.targetIds, ids), ...(sourceIds && { sourceIds }) };
    const positional = Int32Array.from(sequence.targetIds, (_, p) => Math.min(p, ids.length - 1));
    for (const pair of alignment) {
      if (!isPair(pair) || pair[0] >= sequence.targetIds.length || pair[1] >= ids.length) {
        throw new InvalidInputError(
          `Alignment pair ${JSON.stringify(pair)} of input ${i} is out of range: targets have ${sequence.targetIds.length} ` +
            `tokens and the contrastive target ${ids.length}.`, { code: 'INVALID_ARGUMENT' },
        );
      }
      positional[pair[0]] = pair[1];
    }
    return { ids, alignment: positional, ...(sourceIds && { sourceIds }) };
  });
}
