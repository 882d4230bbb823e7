import { type AttributeOptions, type AttributionModel, InvalidInputError } from '@inseq/core';
import { attribute } from '../attribute';
import type { ContextPrompter } from './attribute-context-types';
import { beforeCurrent, type Layout, leadingSpecials, positionScores, prefixLength } from './context-layout';
import { noPrompterError, outputContextCandidate, promptUserForContext } from './output-context';

export interface OutputContextPlan {
  readonly strategy: string;
  readonly outputTemplate: string;
  readonly inputTemplate: string;
  readonly inputContext: string | undefined;
  readonly maxNewTokens: number;
  readonly prompter: ContextPrompter | undefined;
  readonly specialTokensToKeep: readonly string[];
}

/**
 * Inseq's `prepare_outputs` when the output template has `{context}` and no output context is given:
 * generate the whole output, strip the template's prefix (and suffix), propose a context (separator,
 * punctuation, then — encoder-decoder with an input context — alignment with the input context),
 * let the strategy decide, and cut the current output after the template's text before `{current}`.
 */
export async function generateOutputContext(
  model: AttributionModel, base: AttributeOptions, layout: Layout, plan: OutputContextPlan,
): Promise<{ context: string; current: string }> {
  const { outputTemplate } = plan;
  const templatePrefix = outputTemplate.slice(0, outputTemplate.indexOf('{context}'));
  const beforeCurrentText = outputTemplate.slice(0, outputTemplate.indexOf('{current}'));
  const separator = beforeCurrentText.slice(beforeCurrentText.indexOf('{context}') + '{context}'.length);
  const suffix = outputTemplate.slice(outputTemplate.indexOf('{current}') + '{current}'.length);
  const prompt = layout.encoderDecoder ? layout.inputFull : layout.inputFull.trimEnd();
  const generated = await attribute(model, prompt, { ...base, method: 'dummy', maxNewTokens: plan.maxNewTokens });
  const ids = generated.sequence_attributions[0].target.map((t) => t.id);
  const lead = leadingSpecials(model, ids);
  const start = layout.encoderDecoder ? lead : prefixLength(model, ids, prompt, lead);
  // The decoder-only prompt ends without the input/output separator: the generation's leading space is it.
  // Special tokens are dropped unless kept (Inseq's `generate_with_special_tokens`, e.g. a `<brk>` separator).
  const keep = new Set(plan.specialTokensToKeep);
  const special = new Set(Object.values(model.tokenizer.specialTokenIds).filter((v): v is number => typeof v === 'number'));
  const shown = ids.slice(start).filter((id) => !special.has(id) || keep.has(model.tokenizer.idToToken(id)));
  const full = model.tokenizer.decode(shown, { skipSpecialTokens: false }).trimStart();
  const fix = 'Check the template, or give the output context (--output-context-text) and current (--output-current-text).';
  if (templatePrefix !== '' && !full.startsWith(templatePrefix)) {
    throw new InvalidInputError(`The output template ${JSON.stringify(outputTemplate)} starts with ${JSON.stringify(templatePrefix)} but the generated output ${JSON.stringify(full)} does not. ${fix}`, { code: 'INVALID_ARGUMENT' });
  }
  if (suffix !== '' && !full.endsWith(suffix)) {
    throw new InvalidInputError(`The output template ${JSON.stringify(outputTemplate)} ends with ${JSON.stringify(suffix)} but the generated output ${JSON.stringify(full)} does not. ${fix}`, { code: 'INVALID_ARGUMENT' });
  }
  const withPrefix = suffix === '' ? full : full.slice(0, full.length - suffix.length);
  const output = withPrefix.slice(templatePrefix.length);
  let candidate = outputContextCandidate(output, separator);
  if (candidate === undefined && layout.encoderDecoder && plan.inputContext !== undefined) {
    candidate = await alignedOutputContext(model, base, layout, plan, withPrefix, templatePrefix.length);
  }
  let context: string;
  if (candidate !== undefined && plan.strategy === 'auto') context = candidate;
  else if (plan.prompter) context = await promptUserForContext(plan.prompter, output, candidate);
  else {
    throw noPrompterError(
      candidate === undefined
        ? `The generated output ${JSON.stringify(output)} could not be split into context and current (no split on the separator ${JSON.stringify(separator)} or on punctuation into exactly 2 pieces${layout.encoderDecoder && plan.inputContext !== undefined ? ', no alignment with the input context' : ''}) and the user must be asked`
        : `handleOutputContextStrategy 'manual' asks the user to confirm the output context ${JSON.stringify(candidate)} of the generated output ${JSON.stringify(output)}`,
      candidate === undefined
        ? 'Give the output context with --output-context-text (outputContextText).'
        : 'Use --handle-output-context-strategy auto to accept it, or give the output context with --output-context-text (outputContextText).',
    );
  }
  // Inseq: the current output follows the template's text before '{current}' filled with the context
  // (stripped when the context is empty). Cut here from the generation with its prefix, which Inseq's
  // slicing assumes (it is the same text when the template has no prefix).
  let contextPart = beforeCurrentText.replaceAll('{context}', context);
  if (context === '') contextPart = contextPart.trim();
  const current = withPrefix.slice(Math.min(contextPart.length, withPrefix.length)).trim();
  if (current === '') {
    throw new InvalidInputError(
      `The model produced an empty current output given the output context ${JSON.stringify(context)}. If the model generates no context of its own, give one with --output-context-text (outputContextText).`,
      { code: 'INVALID_ARGUMENT' },
    );
  }
  return { context, current };
}

/**
 * Inseq's last resort for encoder-decoder models (`get_output_context_from_aligned_inputs`): the
 * output context ends with the last output word aligned to the input context. Inseq aligns words with
 * a multilingual BERT aligner (awesome-align), which is not available here; the closest honest
 * stand-in is the model's own saliency alignment (Ding et al. 2019): each output token is aligned to
 * the source token of largest gradient norm, and the boundary is the end of the word holding the last
 * output token aligned to an input-context token. `undefined` when no output token is.
 */
async function alignedOutputContext(
  model: AttributionModel, base: AttributeOptions, layout: Layout, plan: OutputContextPlan, text: string, prefixChars: number,
): Promise<string | undefined> {
  const out = await attribute(model, layout.inputFull, { ...base, method: 'saliency', generatedTexts: text });
  const seq = out.sequence_attributions[0];
  const source = seq.source.map((t) => t.id);
  const target = seq.target.map((t) => t.id);
  const special = new Set(Object.values(model.tokenizer.specialTokenIds).filter((v): v is number => typeof v === 'number'));
  const sourceLead = leadingSpecials(model, source);
  const contextEnd = prefixLength(model, source, beforeCurrent(plan.inputTemplate, plan.inputContext), sourceLead);
  const contextStart = prefixLength(model, source, plan.inputTemplate.slice(0, plan.inputTemplate.indexOf('{context}')).trimEnd(), sourceLead);
  const targetLead = leadingSpecials(model, target);
  const keep = new Set(plan.specialTokensToKeep);
  let boundary = 0;
  for (let p = Math.max(seq.attr_pos_start, targetLead); p < seq.attr_pos_end; p++) {
    if (special.has(target[p])) continue;
    const scores = positionScores(seq.source_attributions, p - seq.attr_pos_start);
    let best = -1;
    for (let i = 0; i < scores.length; i++) if (!special.has(source[i]) && (best < 0 || scores[i] > scores[best])) best = i;
    if (best >= contextStart && best < contextEnd) {
      const upTo = target.slice(targetLead, p + 1).filter((id) => !special.has(id) || keep.has(model.tokenizer.idToToken(id)));
      boundary = Math.max(boundary, model.tokenizer.decode(upTo, { skipSpecialTokens: false }).trimStart().length);
    }
  }
  // Extend to the end of the word (Inseq's words: split on whitespace and \b boundaries).
  while (boundary > 0 && boundary < text.length && /\w/.test(text[boundary]) && /\w/.test(text[boundary - 1])) boundary++;
  const candidate = text.slice(prefixChars, boundary);
  return candidate.trim() === '' ? undefined : candidate;
}
