import { describe, expect, it } from 'vitest';
import type { AttributeContextOutput } from './attribute-context-types';
import { renderContextHtml, renderContextTerminal } from './render-context';

const hostile: AttributeContextOutput = {
  input_context: '<script>alert("x")</script> & co',
  input_context_tokens: ['<script>', 'Ġalert("x")', '</script>', 'Ġ&', 'Ġco\u001b[2J'],
  output_context: null,
  output_context_tokens: null,
  output_current: ' it & "she"',
  output_current_tokens: ['Ġit', 'Ġ&', 'Ġ"she"'],
  cti_scores: [0.1, 0.9, 0.2],
  cti_selected: [1],
  cci_scores: [
    {
      cti_idx: 1, cti_token: 'Ġ&', cti_score: 0.9, contextual_output: ' it &', contrast_token: 'Ġ<', contextless_output: ' it <',
      input_context_scores: [0.5, 0.1, 0.05, 0.3, 0.05], output_context_scores: null, input_context_cues: [0, 3], output_context_cues: [],
    },
  ],
  info: null,
};

describe('PECoRe rendering', () => {
  it('terminal: [cues] and {sensitive tokens}, plain without colour, escapes control characters', () => {
    const text = renderContextTerminal(hostile, false);
    expect(text).not.toContain('\u001b');
    expect(text).toMatchInlineSnapshot(`
      "Context-sensitive tokens (1 of 3):
        output:  it {&} "she"
        CTI scores: it=0.1000 &=0.9000 "she"=0.2000

      Token {&} (CTI 0.9000; without context: <):
        input context: [<script>] alert("x")</script> [&] co\\u001b[2J
        output:  it {&} "she"
      "
    `);
    const coloured = renderContextTerminal(hostile, true);
    expect(coloured).toContain('\u001b[1;32m[<script>]\u001b[0m');
    expect(coloured).toContain('\u001b[1;31m{&}\u001b[0m');
  });

  it('HTML: token strings with <script>, quotes and ampersands are escaped text', () => {
    const html = renderContextHtml(hostile);
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('alert("x")');
    expect(html).toContain('&lt;script&gt;');
    expect(html).toContain('alert(&quot;x&quot;)');
    expect(html).toContain('<span class="cue" title="0.5" style="background:rgba(255,13,87,1.000)">&lt;script&gt;</span>');
    expect(html).toContain('<span class="sensitive" title="0.9" style="background:rgba(255,13,87,1.000)"> &amp;</span>');
    expect(html.match(/class="cue"/g)).toHaveLength(2);
  });
});
