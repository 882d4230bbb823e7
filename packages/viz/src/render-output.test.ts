import type { FeatureAttributionOutput } from '@inseq/core';
import { describe, expect, it } from 'vitest';
import { gradientSequence, signedSequence } from './heatmap-sequences.fixture';
import { renderOutputHtml } from './render-output-html';
import { renderOutputTerminal } from './render-output-terminal';

const output: FeatureAttributionOutput = {
  sequence_attributions: [gradientSequence(), signedSequence()],
  step_attributions: null,
  info: {},
};

describe('renderOutputTerminal / renderOutputHtml', () => {
  it('render every sequence', () => {
    const text = renderOutputTerminal(output, { color: false, stepScores: [] });
    expect(text).toContain('Sequence 1 of 2\n');
    expect(text).toContain('\n\nSequence 2 of 2\n');
    expect(text).not.toContain('\x1b');
    expect(text).not.toContain('probability');
    const html = renderOutputHtml(output, { title: 'Two' });
    expect(html.match(/<table class="heatmap">/g)).toHaveLength(2);
    expect(html).toContain('<h2>Sequence 2</h2>');
  });
});
