import type { SequenceAttribution } from '@inseq/core';
import { gradientSequenceColumnSums, gradientSequenceNorms } from '@inseq/testing';
import { describe, expect, it } from 'vitest';
import { buildTokenView } from './build-token-view';
import { gradientSequence, signedSequence } from './heatmap-sequences.fixture';
import { renderTokenViewHtml } from './render-token-view-html';

const ENTITIES: Readonly<Record<string, string>> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'" };
const unescapeHtml = (text: string) => text.replace(/&(amp|lt|gt|quot|#39);/g, (entity) => ENTITIES[entity]);

/** The generated-token spans, in order. */
function generatedSpans(html: string): string[] {
  return html.match(/<span class="token generated"[^>]*>[^<]*<\/span>/g) ?? [];
}

function attribute(element: string, name: string): string {
  const match = element.match(new RegExp(` ${name}="([^"]*)"`));
  if (!match) throw new Error(`no ${name} in ${element}`);
  return unescapeHtml(match[1]);
}

/** Float32 `data` read back from JSON: `null` for NaN, else the same float32. */
function expectSameFloat32(json: (number | null)[], expected: readonly number[]) {
  expect(json).toHaveLength(expected.length);
  json.forEach((value, i) => {
    if (Number.isNaN(expected[i])) expect(value).toBeNull();
    else expect(Math.fround(value as number)).toBe(expected[i]);
  });
}

const withProbability = (sequence: SequenceAttribution): SequenceAttribution => ({
  ...sequence,
  step_scores: { probability: { data: Float32Array.from([0.9, 0.1, 0.5]), shape: [3] } },
});

describe('renderTokenViewHtml', () => {
  it('lists the generated tokens as running text coloured by the step score', () => {
    const html = renderTokenViewHtml(buildTokenView(gradientSequence()));
    const spans = generatedSpans(html);
    expect(spans.map((span) => span.match(/>([^<]*)<\/span>$/)?.[1])).toEqual([' France', ' is', ' Paris']);
    // probability on its own scale: opacity = probability
    expect(spans.map((span) => attribute(span, 'style'))).toEqual([
      'background-color: rgba(255, 13, 87, 0.5)',
      'background-color: rgba(255, 13, 87, 0.25)',
      'background-color: rgba(255, 13, 87, 0.125)',
    ]);
    expect(attribute(spans[0], 'title')).toBe('ĠFrance (id 103, target position 3)\nprobability: 0.5\nlogit: 1');
    expect(spans.map((span) => attribute(span, 'data-step'))).toEqual(['0', '1', '2']);
    const logit = generatedSpans(renderTokenViewHtml(buildTokenView(gradientSequence(), { stepScore: 'logit' })));
    expect(attribute(logit[0], 'style')).toBe('background-color: rgba(255, 13, 87, 0.333)');
  });

  it('offers a selector when there are several step scores, and a legend for each', () => {
    const html = renderTokenViewHtml(buildTokenView(gradientSequence()));
    expect(html).toContain(
      '<select class="step-score-select" aria-label="Step score"><option value="probability" selected>probability</option><option value="logit">logit</option></select>',
    );
    expect(html).toContain('<div class="legend" data-min="0" data-max="1" data-step-score-legend="probability">');
    expect(html).toContain('<div class="legend" data-min="0" data-max="3" data-step-score-legend="logit" hidden>');
    expect(JSON.parse(attribute(html, 'data-step-scores'))).toEqual({
      probability: { maxAbs: 1, values: [0.5, 0.25, 0.125] },
      logit: { maxAbs: 3, values: [1, 2, 3] },
    });
    const one = renderTokenViewHtml(buildTokenView(gradientSequence(), { stepScores: ['logit'] }));
    expect(one).not.toContain('<select');
    expect(one).toContain('coloured by <strong>logit</strong>');
    const none = renderTokenViewHtml(buildTokenView(gradientSequence(), { stepScores: [] }));
    expect(generatedSpans(none).every((span) => !span.includes('style='))).toBe(true);
  });

  it("embeds each step's attributions over the context, equal to the sequence's numbers (decoder-only)", () => {
    const view = buildTokenView(gradientSequence());
    const html = renderTokenViewHtml(view);
    expect(html.match(/<span class="token context"/g)).toHaveLength(5);
    expect(html).toContain('<span class="line-label">context</span>');
    expect(html).not.toContain('<span class="line-label">source</span>');
    generatedSpans(html).forEach((span, s) => {
      expectSameFloat32(JSON.parse(attribute(span, 'data-attributions')), view.attributions[s]);
    });
    // 5/17 normalised, the first context token at the first step
    expect(JSON.parse(attribute(generatedSpans(html)[0], 'data-attributions'))[0]).toBe(0.29411766);
    expect(Math.fround(Number(attribute(html, 'data-max-abs')))).toBe(Math.fround(5 / 11));
    // …and the hand-computed normalised norms of the fixture
    generatedSpans(html).forEach((span, s) => {
      const json = JSON.parse(attribute(span, 'data-attributions')) as (number | null)[];
      json.forEach((value, r) => {
        const expected = gradientSequenceNorms[r][s] / gradientSequenceColumnSums[s];
        if (Number.isNaN(expected)) expect(value).toBeNull();
        else expect(value).toBeCloseTo(expected, 6);
      });
    });
    expect(html).toContain('<div class="legend" data-min="0" data-max="0.4545455">');
  });

  it('puts the source on its own line for encoder-decoder sequences, with the raw numbers', () => {
    const sequence = withProbability(signedSequence());
    const html = renderTokenViewHtml(buildTokenView(sequence));
    expect(html).toContain('<span class="line-label">source</span>');
    const source = sequence.source_attributions?.data ?? new Float32Array();
    const target = sequence.target_attributions?.data ?? new Float32Array();
    generatedSpans(html).forEach((span, s) => {
      const expected = [source[s], source[3 + s], target[s], target[3 + s], target[6 + s]];
      expectSameFloat32(JSON.parse(attribute(span, 'data-attributions')), expected);
    });
    expect(JSON.parse(attribute(generatedSpans(html)[0], 'data-attributions'))).toEqual([0.5, -0.5, 0, null, null]);
    const contexts: string[] = [...html.matchAll(/<span class="token context"[^>]*>/g)].map((match) => match[0]);
    expect(contexts.map((span) => attribute(span, 'data-context'))).toEqual(['0', '1', '2', '3', '4']);
    expect(attribute(contexts[0], 'data-label')).toBe(' Hello (source 0)');
    expect(html).toContain('<div class="legend" data-min="-0.5" data-max="0.5">');
    expect(attribute(generatedSpans(html)[0], 'style')).toBe('background-color: rgba(255, 13, 87, 0.9)');
  });

  it('escapes token text, labels and step-score names', () => {
    const sequence = withProbability(signedSequence({ source: ['<script>x</script>', 'A&B'], target: ['"q"', "'s'", '<b>', '</s>'] }));
    const html = renderTokenViewHtml(buildTokenView({ ...sequence, step_scores: { ...sequence.step_scores, '<x>': { data: Float32Array.from([1, 2, 3]), shape: [3] } } }));
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('<b>');
    expect(html).not.toContain('<x>');
    expect(html).toContain('>&lt;script&gt;x&lt;/script&gt;</span>');
    expect(html).toContain('>A&amp;B</span>');
    expect(html).toContain('data-label="&quot;q&quot; (target 0)"');
    expect(html).toContain('>&#39;s&#39;</span>');
    expect(html).toContain('<option value="&lt;x&gt;">&lt;x&gt;</option>');
    const spans = generatedSpans(html);
    expect(attribute(spans[1], 'data-label')).toBe('<b> (target 2)');
    // every attribute value is closed where it should be: no raw quote inside one
    for (const tag of html.match(/<[^>]*>/g) ?? []) expect(tag).toMatch(/^<\/?[a-z0-9]+(\s[a-z-]+(="[^"<>]*")?)*\s*>$/);
  });
});
