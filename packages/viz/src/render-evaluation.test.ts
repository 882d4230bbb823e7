import { InseqError } from '@inseq/core';
import { describe, expect, it } from 'vitest';
import { type FaithfulnessScores, type FaithfulnessSummary, faithfulnessDecimals } from './faithfulness-summary';
import { renderEvaluationHtml } from './render-evaluation-html';
import { renderEvaluationMarkdown } from './render-evaluation-markdown';
import { renderEvaluationTerminal } from './render-evaluation-terminal';
import { EVALUATION_BLOCK_MARKERS, replaceMarkedBlock } from './replace-marked-block';

const scores = (hitAt1: number, comprehensiveness: number): FaithfulnessScores => ({
  cases: 2,
  hitAt1,
  hitAtK: 1,
  comprehensiveness,
  sufficiency: -0.25,
  aopcComprehensiveness: 0.5,
  aopcSufficiency: 0.125,
});
const summary: FaithfulnessSummary = {
  model: 'models/tiny <gpt2>',
  k: 2,
  cases: 4,
  phenomena: ['fact', 'agreement'],
  chanceHitAt1: 0.2,
  chanceHitAtK: 0.4,
  methods: [
    { method: 'saliency', overall: scores(0.75, 0.3), byPhenomenon: { fact: scores(1, 0.3), agreement: scores(0.5, 0.3) } },
    { method: 'random', overall: scores(0.25, -0.1), byPhenomenon: { fact: scores(0, 0), agreement: scores(0.5, 0) } },
  ],
};

describe('evaluation renderers', () => {
  it('terminal: caption with chance level, one row per method with every metric, hit@1 per phenomenon', () => {
    const text = renderEvaluationTerminal(summary);
    expect(text).not.toContain('\x1b[');
    expect(text).toContain('4 cases (fact, agreement) · k = 2 · chance hit@1 0.200, hit@2 0.400');
    const lines = text.split('\n');
    expect(lines.find((line) => line.startsWith('method'))).toMatch(/hit@1\s+hit@2\s+comp@2\s+suff@2\s+AOPC comp\s+AOPC suff$/);
    expect(lines.find((line) => line.startsWith('saliency'))).toMatch(/│ 0\.750 +1\.000 +0\.300 +-0\.250 +0\.500 +0\.125$/);
    expect(lines.find((line) => line.startsWith('random'))).toMatch(/│ 0\.250 .* -0\.100 /);
    // The per-phenomenon table: saliency 1.000 on fact, 0.500 on agreement.
    expect(lines.filter((line) => line.startsWith('saliency')).at(-1)).toMatch(/│ +1\.000 +0\.500$/);
    // Columns line up: every '│' of the first table at the same offset.
    const bars = lines.slice(3, 7).filter((line) => line.includes('│')).map((line) => line.indexOf('│'));
    expect(new Set(bars).size).toBe(1);
  });

  it('terminal: with maxWidth, the columns that do not fit are left out with a note; wide enough, nothing is', () => {
    const full = renderEvaluationTerminal(summary);
    const widest = Math.max(...full.split('\n').filter((line) => line.includes('│') || line.includes('┼')).map((line) => line.length));
    expect(renderEvaluationTerminal(summary, { maxWidth: widest })).toBe(full);
    const cut = renderEvaluationTerminal(summary, { maxWidth: 40, cutHint: 'Use --html.' });
    const tableLines = cut.split('\n').filter((line) => line.includes('│') || line.includes('┼'));
    for (const line of tableLines) expect(line.length).toBeLessThanOrEqual(40);
    const header = cut.split('\n').find((line) => line.startsWith('method')) as string;
    // The method column and the leading metrics stay, in order; the rest is counted in the note.
    expect(header).toMatch(/^method\s+│ hit@1\s+hit@2/);
    expect(header).not.toContain('AOPC suff');
    const kept = header.split('│')[1].trim().split(/\s{2,}/).length;
    expect(cut).toContain(`(${6 - kept} column(s) left out to fit 40 cells. Use --html.)`);
    expect(cut.split('\n').find((line) => line.startsWith('saliency'))).toMatch(/│ 0\.750 +1\.000/);
  });

  it('markdown: a GitHub table with right-aligned score columns and escaped cells', () => {
    const text = renderEvaluationMarkdown({ ...summary, methods: [{ ...summary.methods[0], method: 'a|b' }] });
    const lines = text.split('\n');
    expect(lines[0]).toBe('Model `models/tiny <gpt2>`: 4 cases (fact, agreement) · k = 2 · chance hit@1 0.200, hit@2 0.400.');
    expect(lines[2]).toBe('| method | hit@1 ↑ | hit@2 ↑ | comp@2 ↑ | suff@2 ↓ | AOPC comp ↑ | AOPC suff ↓ |');
    expect(lines[3]).toBe('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
    expect(lines[4]).toBe('| `a\\|b` | 0.750 | 1.000 | 0.300 | -0.250 | 0.500 | 0.125 |');
    expect(text).toContain('| hit@1 by phenomenon | fact | agreement |');
  });

  it('html: standalone page, a bar chart per metric with bars proportional to the scores and chance dashed', () => {
    const page = renderEvaluationHtml(summary);
    expect(page).toMatch(/^<!DOCTYPE html>/);
    expect(page).not.toMatch(/(src|href)=["']https?:/);
    expect(page).not.toContain('<script');
    expect(page).toContain('models/tiny &lt;gpt2&gt;');
    const svgs = page.match(/<svg[\s\S]*?<\/svg>/g)!;
    expect(svgs).toHaveLength(6);
    // Labels take 80 px (the minimum). hit@1: domain [0, 0.75] over 360 px from x = 80; saliency's bar 360 px, random's 120 px, chance at 80 + 96.
    const widths = [...svgs[0].matchAll(/<rect x="([\d.]+)" y="\d+" width="([\d.]+)"/g)].map((m) => [Number(m[1]), Number(m[2])]);
    expect(widths).toEqual([
      [80, 360],
      [80, 120],
    ]);
    expect(svgs[0]).toContain('x1="176.0"');
    expect(svgs[0]).toContain('stroke-dasharray');
    expect(svgs[2]).not.toContain('stroke-dasharray');
    // comp@2 spans [-0.1, 0.3]: zero at 80 + 90; random's negative bar ends at zero.
    const comp = [...svgs[2].matchAll(/<rect x="([\d.]+)" y="\d+" width="([\d.]+)"/g)].map((m) => [Number(m[1]), Number(m[2])]);
    expect(comp).toEqual([
      [170, 270],
      [80, 90],
    ]);
  });
});

describe('faithfulnessDecimals', () => {
  it('shows tiny columns with two significant digits, others with three decimals', () => {
    expect(faithfulnessDecimals([0.5, -0.2])).toBe(3);
    expect(faithfulnessDecimals([0.0054, -0.001])).toBe(4);
    expect(faithfulnessDecimals([0.00012, Number.NaN])).toBe(5);
    expect(faithfulnessDecimals([0, 0])).toBe(3);
    const text = renderEvaluationMarkdown({ ...summary, methods: [{ ...summary.methods[0], overall: { ...scores(0.75, 0.0054), sufficiency: 0.5 } }] });
    expect(text).toContain('| `saliency` | 0.750 | 1.000 | 0.0054 | 0.500 | 0.500 | 0.125 |');
  });
});

describe('replaceMarkedBlock', () => {
  const { start, end } = EVALUATION_BLOCK_MARKERS;
  it('replaces only the text between the markers, keeping everything else byte for byte', () => {
    const readme = `# Title\n\nBefore.\n${start}\nold table\nmore\n${end}\nAfter.\n`;
    const once = replaceMarkedBlock(readme, '| a |\n| - |');
    expect(once).toBe(`# Title\n\nBefore.\n${start}\n| a |\n| - |\n${end}\nAfter.\n`);
    expect(replaceMarkedBlock(once, '| a |\n| - |')).toBe(once);
  });

  it('names the missing, repeated or misordered marker', () => {
    const error = (text: string) => {
      try {
        replaceMarkedBlock(text, 'x', { source: 'README.md' });
      } catch (caught) {
        expect(InseqError.isInstance(caught)).toBe(true);
        return (caught as Error).message;
      }
      throw new Error('no error');
    };
    expect(error(`text ${start} only`)).toMatch(/README.md has no <!-- inseq-evaluate:end --> marker/);
    expect(error('no markers')).toMatch(/no <!-- inseq-evaluate:start --> and no <!-- inseq-evaluate:end --> marker/);
    expect(error(`${start}${end}${end}`)).toMatch(/more than once/);
    expect(error(`${end}\n${start}`)).toMatch(/before/);
  });
});
