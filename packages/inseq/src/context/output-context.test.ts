import { loadTfjsBackend } from '@inseq/backend-tfjs';
import { type AttributionModel, loadTokenizer, memoryModelFiles } from '@inseq/core';
import { createTinyT5, tinyGpt2ModelFiles } from '@inseq/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attribute } from '../attribute';
import { attributeContext } from './attribute-context';
import type { ContextPrompter } from './attribute-context-types';
import { outputContextCandidate } from './output-context';

/** A prompter answering from a script; it records the questions and fails when the script runs out. */
function scripted(answers: (boolean | string)[]): ContextPrompter & { asked: string[]; notes: string[] } {
  const asked: string[] = [];
  const notes: string[] = [];
  const next = (question: string) => {
    asked.push(question);
    if (answers.length === 0) throw new Error(`unexpected question: ${question}`);
    return answers.shift() as boolean | string;
  };
  return {
    asked, notes,
    confirm: (q) => next(q) as boolean,
    ask: (q) => next(q) as string,
    notify: (m) => { notes.push(m); },
  };
}

describe('outputContextCandidate (Inseq prepare_outputs splitting)', () => {
  it('splits on the separator when it gives exactly 2 pieces, else on punctuation runs, else gives up', () => {
    expect(outputContextCandidate('Il fait beau. <brk> Je sors', ' <brk> ')).toBe('Il fait beau.');
    expect(outputContextCandidate('few see', '\n')).toBe('few'); // no separator: punctuation split into 2
    expect(outputContextCandidate('Hello, world!', ' | ')).toBe('Hello');
    expect(outputContextCandidate('a b c', ' ')).toBeUndefined(); // 3 pieces either way
    expect(outputContextCandidate(' x y', ' ')).toBe('x'); // 3 separator pieces; the punctuation split drops empty pieces
    expect(outputContextCandidate(' x', ' ')).toBeUndefined(); // empty first piece, 1 non-empty piece
    expect(outputContextCandidate('one', '')).toBeUndefined();
  });
});

describe('attributeContext with an output context generated with the output (tiny GPT-2)', () => {
  let model: AttributionModel;
  beforeAll(async () => {
    const files = tinyGpt2ModelFiles();
    model = { name: 'tiny-gpt2', backend: await loadTfjsBackend(files), tokenizer: await loadTokenizer(files) };
  });
  afterAll(() => model?.backend.dispose());
  // The tiny GPT-2 continues 'the cat sat' greedily with ' few see few …'.
  const base = { inputCurrentText: 'the cat sat', contextSensitivityTopk: 1, contextSensitivityStdThreshold: null } as const;
  const tokens = (text: string) => model.tokenizer.encode(text).map((id) => model.tokenizer.idToToken(id));

  it('auto: the separator split of the greedy generation, tokens placed after the input', async () => {
    const greedy = await attribute(model, 'the cat sat', { method: 'dummy', maxNewTokens: 2 });
    const ids = greedy.sequence_attributions[0].target.map((t) => t.id);
    expect(model.tokenizer.decode(ids.slice(model.tokenizer.encode('the cat sat').length))).toBe(' few see');
    const out = await attributeContext(model, { ...base, outputTemplate: '{context} {current}', handleOutputContextStrategy: 'auto', generationKwargs: { max_new_tokens: 2 } });
    expect(out.output_context).toBe('few');
    expect(out.output_current).toBe('see');
    expect(out.output_context_tokens).toEqual(tokens(' few'));
    expect(out.output_current_tokens).toEqual(tokens(' see'));
    expect(out.cci_scores[0].output_context_scores).toHaveLength(1);
  });

  it('auto: the punctuation split when the separator is absent; the current follows the template text', async () => {
    const out = await attributeContext(model, { ...base, outputTemplate: '{context}\n{current}', handleOutputContextStrategy: 'auto', generationKwargs: { max_new_tokens: 2 } });
    expect(out.output_context).toBe('few');
    expect(out.output_current).toBe('see'); // 'few see' cut after 'few\n' (the same length as 'few ')
  });

  it('manual: the user confirms or corrects the candidate; no candidate asks directly and re-asks on an invalid answer', async () => {
    const yes = scripted([true]);
    const confirmed = await attributeContext(model, { ...base, outputTemplate: '{context} {current}', generationKwargs: { max_new_tokens: 2 }, prompter: yes, contextSensitivityTopk: 0 });
    expect(confirmed.output_context).toBe('few');
    expect(yes.asked[0]).toContain('"few see"');
    expect(yes.asked[0]).toContain('Is "few"');
    // 'few see few': 3 pieces either way, no candidate.
    const user = scripted(['see', 'few see']);
    const typed = await attributeContext(model, { ...base, outputTemplate: '{context} {current}', generationKwargs: { max_new_tokens: 3 }, prompter: user, contextSensitivityTopk: 0 });
    expect(user.asked).toHaveLength(2);
    expect(user.notes).toHaveLength(1); // 'see' does not start the output
    expect(typed.output_context).toBe('few see');
    expect(typed.output_current).toBe('few');
    expect(typed.output_context_tokens).toEqual(tokens(' few see'));
    // An empty answer is confirmed first.
    const empty = scripted(['', false, 'few']);
    const again = await attributeContext(model, { ...base, outputTemplate: '{context} {current}', generationKwargs: { max_new_tokens: 3 }, prompter: empty, contextSensitivityTopk: 0 });
    expect(again.output_context).toBe('few');
    expect(again.output_current).toBe('see few');
  });

  it('without a prompter manual fails clearly; pre needs the context; an empty current output is refused', async () => {
    const common = { ...base, outputTemplate: '{context} {current}', generationKwargs: { max_new_tokens: 2 } };
    await expect(attributeContext(model, common)).rejects.toThrow(/no prompt is available.*--handle-output-context-strategy auto.*--output-context-text/s);
    await expect(attributeContext(model, { ...common, handleOutputContextStrategy: 'auto', generationKwargs: { max_new_tokens: 3 } }))
      .rejects.toThrow(/"few see few" could not be split.*--output-context-text/s);
    await expect(attributeContext(model, { ...common, handleOutputContextStrategy: 'pre' })).rejects.toThrow(/'pre'.*--output-context-text/);
    await expect(attributeContext(model, { ...common, prompter: scripted([false, 'few see']) })).rejects.toThrow(/empty current output.*--output-context-text/);
  });
});

describe('attributeContext: output context by alignment (tiny T5, encoder-decoder)', () => {
  let model: AttributionModel;
  beforeAll(async () => {
    const files = memoryModelFiles(createTinyT5().files, 'tiny-t5');
    model = { name: 'tiny-t5', backend: await loadTfjsBackend(files), tokenizer: await loadTokenizer(files) };
  });
  afterAll(() => model?.backend.dispose());

  it('auto: no separator/punctuation split, so the context ends at the last output word aligned (by saliency argmax) to the input context', async () => {
    const input = { inputContextText: 'it', inputCurrentText: 'was a good day in the park' };
    const out = await attributeContext(model, {
      ...input, outputTemplate: '{context} {current}', handleOutputContextStrategy: 'auto', generationKwargs: { max_new_tokens: 3 }, contextSensitivityTopk: 0,
    });
    // Independently: the generation, its saliency and the argmax source token of each output token.
    const generated = 'right right right';
    const direct = await attribute(model, 'it was a good day in the park', { method: 'saliency', generatedTexts: generated });
    const seq = direct.sequence_attributions[0];
    const source = seq.source_attributions!;
    const [srcLen, steps, hidden] = source.shape;
    const contextTokens = model.tokenizer.encode('it', { addSpecialTokens: false }).length;
    let lastAligned = -1;
    for (let s = 0; s < steps; s++) {
      const norms = Array.from({ length: srcLen - 1 }, (_, i) => Math.hypot(...source.data.subarray((i * steps + s) * hidden, (i * steps + s + 1) * hidden))); // last: </s>
      if (norms.indexOf(Math.max(...norms)) < contextTokens && seq.target[seq.attr_pos_start + s].token !== '</s>') lastAligned = s;
    }
    expect(lastAligned).toBeGreaterThanOrEqual(0);
    const words = generated.split(' ');
    expect(out.output_context).toBe(words.slice(0, lastAligned + 1).join(' ')); // each token is one word here
    expect(out.output_current).toBe(words.slice(lastAligned + 1).join(' '));
  });
});
