import { describe, expect, test } from 'vitest';
import { PHENOMENA, evaluationCases, isHeldOutPair, trainingSentences } from './generate-corpus';
import { CAPITALS, NAMES, NOUNS, THINGS } from './vocabulary';

const take = (seed: number, count: number) => {
  const stream = trainingSentences(seed);
  return Array.from({ length: count }, () => stream.next().value as string);
};

describe('trainingSentences', () => {
  test('is the same stream for the same seed and another for another seed', () => {
    expect(take(7, 300)).toEqual(take(7, 300));
    expect(take(8, 300)).not.toEqual(take(7, 300));
  });

  test('covers every phenomenon in about its share', () => {
    const sentences = take(1, 4000);
    const share = (pattern: RegExp) => sentences.filter((s) => pattern.test(s)).length / sentences.length;
    expect(share(/capital/)).toBeCloseTo(0.3, 1);
    expect(share(/belongs to/)).toBeCloseTo(0.25, 1);
    expect(share(/ (said|told me) that (she|he) /)).toBeCloseTo(0.2, 1);
  });

  test('never shows a held-out combination, which the evaluation cases are made of', () => {
    const sentences = take(3, 20_000);
    const heldOutPrompts = evaluationCases(4).filter((c) => !/^The capital of/.test(c.prompt) && c.phenomenon !== 'bias');
    expect(heldOutPrompts.length).toBeGreaterThan(150);
    const text = new Set(sentences.map((s) => s.slice(0, s.lastIndexOf(' '))));
    for (const { prompt } of heldOutPrompts) expect(text.has(prompt), prompt).toBe(false);
    // And the rule itself: no prefixed fact of a held-out (speaker, country) pair.
    for (const sentence of sentences) {
      const match = /^(\w+) said that the capital of (\w+) is/.exec(sentence);
      if (!match) continue;
      const speaker = NAMES.indexOf(match[1]);
      const country = CAPITALS.findIndex(([c]) => c === match[2]);
      expect(isHeldOutPair(speaker, country)).toBe(false);
    }
  });

  test('agreement follows the subject, not the nearest noun', () => {
    const plural = new Set(NOUNS.map(([, p]) => p));
    for (const sentence of take(5, 3000)) {
      const match = /^The (\w+) (?:\w+ the \w+ )?(is|are) /.exec(sentence);
      if (!match) continue;
      expect(match[2]).toBe(plural.has(match[1]) ? 'are' : 'is');
    }
  });
});

describe('evaluationCases', () => {
  test('each decisive word is in its prompt; prompts do not repeat; the result depends on the seed only', () => {
    const cases = evaluationCases(11);
    expect(cases).toEqual(evaluationCases(11));
    expect(new Set(cases.map((c) => c.prompt)).size).toBe(cases.length);
    for (const c of cases) {
      expect(c.prompt).toContain(c.decisive);
      expect(c.target.startsWith(' ')).toBe(true);
    }
    expect(new Set(cases.map((c) => c.phenomenon))).toEqual(new Set(PHENOMENA));
    expect(cases.filter((c) => c.phenomenon === 'fact')).toHaveLength(80);
    expect(cases.filter((c) => c.phenomenon === 'bias')).toHaveLength(24);
  });

  test('copying cases ask for the one name the prompt mentions, in a held-out (name, thing) pair', () => {
    for (const c of evaluationCases(12).filter((x) => x.phenomenon === 'copying')) {
      const [, name, thing, asked] = /^(\w+) \w+ a (\w+)\. The (\w+) belongs to$/.exec(c.prompt) ?? [];
      expect(asked).toBe(thing);
      expect(name).toBe(c.decisive);
      expect(isHeldOutPair(NAMES.indexOf(name), THINGS.indexOf(thing))).toBe(true);
    }
  });
});
