import { InvalidInputError, type SequenceAttribution, type Tokenizer } from 'inseq';

/** The attribution one generation step gives each prompt token. */
export interface TokenScores {
  /** Vocabulary entries of the prompt tokens (`Ġnurse`). */
  readonly tokens: readonly string[];
  /** L2 norm over the hidden axis (Inseq's default `vnorm` for gradient methods): how much, either way. */
  readonly magnitude: readonly number[];
  /** Sum over the hidden axis: positive pushes the attributed function up (here, toward " she"). */
  readonly signed: readonly number[];
}

/**
 * The attributions of generation step `step` (column `step` of `target_attributions`, shape
 * `[target, steps, …hidden]`) on the prompt tokens (`target[0 .. attr_pos_start)` of a decoder-only
 * model), reduced over the trailing axes. A method with no trailing axis gives |score| and score.
 *
 * @throws InvalidInputError when the sequence has no target attributions or no such step.
 */
export function stepTokenScores(sequence: SequenceAttribution, step = 0): TokenScores {
  const attributions = sequence.target_attributions;
  if (attributions === null) throw new InvalidInputError('The sequence has no target attributions: the case study needs a decoder-only model.');
  const [length, steps] = attributions.shape;
  if (step < 0 || step >= steps) throw new InvalidInputError(`Step ${step} is not attributed: the sequence has ${steps} step(s).`);
  const width = attributions.shape.slice(2).reduce((size, dim) => size * dim, 1);
  const promptLength = Math.min(sequence.attr_pos_start, length);
  const magnitude: number[] = [];
  const signed: number[] = [];
  for (let token = 0; token < promptLength; token++) {
    const offset = (token * steps + step) * width;
    let squares = 0;
    let sum = 0;
    for (let i = 0; i < width; i++) {
      const value = attributions.data[offset + i];
      squares += value * value;
      sum += value;
    }
    magnitude.push(Math.sqrt(squares));
    signed.push(sum);
  }
  return { tokens: sequence.target.slice(0, promptLength).map((token) => token.token), magnitude, signed };
}

/** A word of the prompt: one or more tokens, with their scores summed. */
export interface WordScore {
  /** The word as written in the prompt, or the vocabulary entry of a special token (`<|endoftext|>`). */
  readonly text: string;
  /** Character offsets of the word in the prompt, `[start, end)`, spaces excluded (empty for a special token). */
  readonly start: number;
  readonly end: number;
  /** The word's tokens, as vocabulary entries. */
  readonly tokens: readonly string[];
  /** Sum of its tokens' {@link TokenScores.magnitude}. */
  readonly score: number;
  /** Sum of its tokens' {@link TokenScores.signed}. */
  readonly signed: number;
}

/**
 * Groups the prompt tokens into words and sums their scores, so that an occupation split into
 * subwords (`Ġhair` `dress` `er`) is compared with the other words as one. A token starts a word
 * when its text starts with a space (or the previous one ends with one); special tokens (decoded
 * to nothing) are words of their own. Token texts come from decoding growing prefixes of `ids`.
 *
 * @throws InvalidInputError when the tokens do not decode back to `prompt` (a tokenizer that
 *   normalises the text), since the words could not be placed in it.
 */
export function wordScores(tokenizer: Tokenizer, ids: readonly number[], prompt: string, scores: TokenScores): WordScore[] {
  if (ids.length !== scores.magnitude.length) {
    throw new InvalidInputError(`${ids.length} prompt token ids for ${scores.magnitude.length} scored tokens; they must be the same tokens.`);
  }
  const offsets = [0];
  for (let i = 1; i <= ids.length; i++) offsets.push(tokenizer.decode(ids.slice(0, i), { skipSpecialTokens: true }).length);
  const decoded = tokenizer.decode(ids, { skipSpecialTokens: true });
  if (decoded !== prompt) {
    throw new InvalidInputError(`The prompt's tokens decode to ${JSON.stringify(decoded)}, not to the prompt ${JSON.stringify(prompt)}; words cannot be located.`);
  }
  const words: { first: number; last: number }[] = [];
  for (let i = 0; i < ids.length; i++) {
    const text = prompt.slice(offsets[i], offsets[i + 1]);
    const previous = i > 0 ? prompt.slice(offsets[i - 1], offsets[i]) : '';
    const special = text === '';
    const startsWord = i === 0 || special || (i > 0 && offsets[i - 1] === offsets[i]) || /^\s/.test(text) || /\s$/.test(previous);
    if (startsWord) words.push({ first: i, last: i });
    else words[words.length - 1].last = i;
  }
  return words.map(({ first, last }) => {
    const raw = prompt.slice(offsets[first], offsets[last + 1]);
    const start = offsets[first] + (raw.length - raw.trimStart().length);
    const end = offsets[last + 1] - (raw.length - raw.trimEnd().length);
    let score = 0;
    let signed = 0;
    for (let i = first; i <= last; i++) {
      score += scores.magnitude[i];
      signed += scores.signed[i];
    }
    return {
      text: raw === '' ? scores.tokens[first] : prompt.slice(start, end),
      start,
      end,
      tokens: scores.tokens.slice(first, last + 1),
      score,
      signed,
    };
  });
}
