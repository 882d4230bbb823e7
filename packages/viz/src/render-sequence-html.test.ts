import { describe, expect, it } from 'vitest';
import { gradientSequence, signedSequence } from './heatmap-sequences.fixture';
import { renderSequenceHtml } from './render-sequence-html';

describe('renderSequenceHtml', () => {
  it('is one section with the heatmap, then the token view, and no script or document', () => {
    const html = renderSequenceHtml(gradientSequence(), { heading: 'A & B' });
    expect(html.startsWith('<section class="inseq-viz">\n<h2>A &amp; B</h2>\n<div class="heatmap-view">')).toBe(true);
    expect(html.endsWith('</section>')).toBe(true);
    expect(html.indexOf('<table class="heatmap">')).toBeLessThan(html.indexOf('<div class="token-view"'));
    expect(html).not.toMatch(/<script|<html|<style|<link|src=|href=/i);
  });

  it('passes view options through: aggregation, step scores, the first step score, parts left out', () => {
    const html = renderSequenceHtml(gradientSequence(), { aggregateFn: 'mean', stepScores: ['logit', 'probability'], stepScore: 'logit', heatmap: false });
    expect(html).not.toContain('<table');
    expect(html).toContain('<option value="logit" selected>logit</option><option value="probability">probability</option>');
    expect(renderSequenceHtml(gradientSequence(), { aggregateFn: 'mean' })).toContain('extra axes aggregated (mean)');
    expect(renderSequenceHtml(signedSequence(), { tokenView: false })).not.toContain('token-view');
    expect(() => renderSequenceHtml(signedSequence(), { stepScore: 'probability' })).toThrow("Unknown step score 'probability'");
  });
});
