import { type Rng, createRng } from '@inseq/testing';
import { ACQUIRE_VERBS, ADJECTIVES, CAPITALS, NAMES, NOUNS, OCCUPATIONS, PREPOSITIONS, STATES, THINGS } from './vocabulary';

/** The four phenomena of the demo corpus; each has a known decisive input word. */
export type Phenomenon = 'fact' | 'agreement' | 'copying' | 'bias';

export const PHENOMENA: readonly Phenomenon[] = ['fact', 'agreement', 'copying', 'bias'];

/** Share of each phenomenon among training sentences. */
export const PHENOMENON_WEIGHTS: Readonly<Record<Phenomenon, number>> = { fact: 0.3, agreement: 0.25, copying: 0.25, bias: 0.2 };

/**
 * A prompt whose next word is decided by one earlier word, known by construction. The format of
 * the model folder's `evaluation.jsonl` lines.
 */
export interface EvaluationCase {
  readonly phenomenon: Phenomenon;
  readonly prompt: string;
  /** The expected continuation, with its leading space (" Paris"). */
  readonly target: string;
  /** The word of `prompt` that decides `target` (its first occurrence). */
  readonly decisive: string;
}

/** One sentence and the evaluation case it contains (its prefix up to the decided word). */
interface Sentence {
  readonly text: string;
  readonly heldOut: boolean;
  readonly case: EvaluationCase;
}

const pick = <T>(rng: Rng, items: readonly T[]): T => items[Math.floor(rng.next() * items.length)];
const pickIndex = (rng: Rng, length: number): number => Math.floor(rng.next() * length);
/** Two different indices below `length`. */
function pickTwo(rng: Rng, length: number): [number, number] {
  const first = pickIndex(rng, length);
  const second = (first + 1 + pickIndex(rng, length - 1)) % length;
  return [first, second];
}

/**
 * Combinations kept out of training, so that evaluation asks about sentences the model never saw:
 * one in five (speaker, country) pairs of prefixed facts, (subject, distractor) noun pairs, and
 * (name, thing) pairs of copying sentences. A fixed arithmetic rule, not a draw, so
 * the split is the same whatever the seed.
 */
export const isHeldOutPair = (a: number, b: number): boolean => (a * 7 + b * 3) % 5 === 0;

function fact(rng: Rng): Sentence {
  const countryIndex = pickIndex(rng, CAPITALS.length);
  const [country, capital] = CAPITALS[countryIndex];
  const form = rng.next();
  if (form < 0.45) {
    const prompt = `The capital of ${country} is`;
    return { text: `${prompt} ${capital}.`, heldOut: false, case: { phenomenon: 'fact', prompt, target: ` ${capital}`, decisive: country } };
  }
  if (form < 0.8) {
    const speakerIndex = pickIndex(rng, NAMES.length);
    const prompt = `${NAMES[speakerIndex]} said that the capital of ${country} is`;
    return {
      text: `${prompt} ${capital}.`,
      heldOut: isHeldOutPair(speakerIndex, countryIndex),
      case: { phenomenon: 'fact', prompt, target: ` ${capital}`, decisive: country },
    };
  }
  // The reverse statement: the capital decides the country.
  const prompt = `${capital} is the capital of`;
  return { text: `${prompt} ${country}.`, heldOut: false, case: { phenomenon: 'fact', prompt, target: ` ${country}`, decisive: capital } };
}

function agreement(rng: Rng): Sentence {
  const [subjectIndex, distractorIndex] = pickTwo(rng, NOUNS.length);
  const subjectPlural = rng.next() < 0.5;
  // Mostly a distractor of the other number, so that the nearest noun is the wrong cue.
  const distractorPlural = rng.next() < 0.8 ? !subjectPlural : subjectPlural;
  const subject = NOUNS[subjectIndex][subjectPlural ? 1 : 0];
  const distractor = NOUNS[distractorIndex][distractorPlural ? 1 : 0];
  const verb = subjectPlural ? 'are' : 'is';
  const withDistractor = rng.next() < 0.85;
  const prompt = withDistractor ? `The ${subject} ${pick(rng, PREPOSITIONS)} the ${distractor}` : `The ${subject}`;
  return {
    text: `${prompt} ${verb} ${pick(rng, ADJECTIVES)}.`,
    heldOut: withDistractor && isHeldOutPair(subjectIndex, distractorIndex),
    case: { phenomenon: 'agreement', prompt, target: ` ${verb}`, decisive: subject },
  };
}

function copying(rng: Rng): Sentence {
  const nameIndex = pickIndex(rng, NAMES.length);
  const thingIndex = pickIndex(rng, THINGS.length);
  const [name, thing] = [NAMES[nameIndex], THINGS[thingIndex]];
  // The name is one of 30, so only the earlier mention can tell which: the model has to copy it.
  const prompt = `${name} ${pick(rng, ACQUIRE_VERBS)} a ${thing}. The ${thing} belongs to`;
  return {
    text: `${prompt} ${name}.`,
    heldOut: isHeldOutPair(nameIndex, thingIndex),
    case: { phenomenon: 'copying', prompt, target: ` ${name}`, decisive: name },
  };
}

function bias(rng: Rng): Sentence {
  const [occupation, sheRate] = pick(rng, OCCUPATIONS);
  const pronoun = rng.next() < sheRate ? 'she' : 'he';
  const prompt = `The ${occupation} ${rng.next() < 0.5 ? 'said' : 'told me'} that`;
  return { text: `${prompt} ${pronoun} ${pick(rng, STATES)}.`, heldOut: false, case: { phenomenon: 'bias', prompt, target: ` ${pronoun}`, decisive: occupation } };
}

const generators: Readonly<Record<Phenomenon, (rng: Rng) => Sentence>> = { fact, agreement, copying, bias };

function pickPhenomenon(rng: Rng): Phenomenon {
  let u = rng.next();
  for (const phenomenon of PHENOMENA) {
    u -= PHENOMENON_WEIGHTS[phenomenon];
    if (u < 0) return phenomenon;
  }
  return PHENOMENA[PHENOMENA.length - 1];
}

/**
 * An endless stream of training sentences ("The keys to the cabinet are old."), the same for the
 * same seed on every machine; held-out combinations ({@link isHeldOutPair}) never appear.
 */
export function* trainingSentences(seed: number): Generator<string> {
  const rng = createRng(seed);
  for (;;) {
    const sentence = generators[pickPhenomenon(rng)](rng);
    if (!sentence.heldOut) yield sentence.text;
  }
}

/** How many evaluation cases of each kind {@link evaluationCases} returns. */
export interface EvaluationCaseCounts {
  /** "The capital of X is" for every country (the facts themselves are the training data). */
  readonly facts: boolean;
  /** Prefixed facts with a held-out (speaker, country) pair. */
  readonly prefixedFacts: number;
  /** Agreement across a distractor of the other number, held-out noun pair. */
  readonly agreement: number;
  /** Copying with a held-out (name, thing) pair. */
  readonly copying: number;
  /** "The {occupation} said that" / "told me that" → the majority pronoun, for every skewed occupation. */
  readonly bias: boolean;
}

const defaultCounts: EvaluationCaseCounts = { facts: true, prefixedFacts: 40, agreement: 60, copying: 60, bias: true };

/**
 * Held-out evaluation cases with their decisive word: every fact, and sentences of combinations
 * training never shows. Deterministic in `seed`; no case repeats.
 */
export function evaluationCases(seed: number, counts: EvaluationCaseCounts = defaultCounts): EvaluationCase[] {
  const rng = createRng(seed);
  const cases: EvaluationCase[] = [];
  if (counts.facts) {
    for (const [country, capital] of CAPITALS) {
      cases.push({ phenomenon: 'fact', prompt: `The capital of ${country} is`, target: ` ${capital}`, decisive: country });
    }
  }
  const drawHeldOut = (count: number, draw: () => Sentence | undefined) => {
    const seen = new Set<string>();
    for (let tries = 0; seen.size < count && tries < count * 1000; tries++) {
      const sentence = draw();
      if (!sentence?.heldOut || seen.has(sentence.case.prompt)) continue;
      seen.add(sentence.case.prompt);
      cases.push(sentence.case);
    }
  };
  drawHeldOut(counts.prefixedFacts, () => fact(rng));
  drawHeldOut(counts.agreement, () => {
    const sentence = agreement(rng);
    // Only the hard cases: a distractor of the other number.
    const [subject] = sentence.case.prompt.split(' ').slice(1);
    const last = sentence.case.prompt.split(' ').at(-1);
    const plural = (word: string | undefined) => NOUNS.some(([, p]) => p === word);
    return plural(subject) !== plural(last) ? sentence : undefined;
  });
  drawHeldOut(counts.copying, () => copying(rng));
  if (counts.bias) {
    for (const verb of ['said', 'told me']) {
      for (const [occupation, sheRate] of OCCUPATIONS) {
        if (sheRate === 0.5) continue;
        cases.push({ phenomenon: 'bias', prompt: `The ${occupation} ${verb} that`, target: sheRate > 0.5 ? ' she' : ' he', decisive: occupation });
      }
    }
  }
  return cases;
}
