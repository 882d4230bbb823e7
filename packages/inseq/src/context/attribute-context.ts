import { type AttributeOptions, type AttributionModel, InvalidInputError, type SequenceAttribution, type Tensor } from '@inseq/core';
import { attribute } from '../attribute';
import type { AttributeContextArgs, AttributeContextOutput, CciOutput, ContextPrompter } from './attribute-context-types';
import { noPrompterError, outputContextCandidate, promptUserForContext, promptUserForContextlessNextToken } from './output-context';
import { selectTokens } from './select-tokens';

function fill(template: string, name: string, parts: { context?: string; current: string }): string {
  if (!template.includes('{current}')) {
    throw new InvalidInputError(`${name} must contain '{current}'; got ${JSON.stringify(template)}.`, { code: 'INVALID_ARGUMENT' });
  }
  if (template.includes('{context}') && parts.context === undefined) {
    throw new InvalidInputError(`${name} has '{context}' but no context text was given.`, { code: 'INVALID_ARGUMENT' });
  }
  return template.replaceAll('{context}', parts.context ?? '').replaceAll('{current}', parts.current);
}

/** Text of `template` before `{current}` with `{context}` filled, without its trailing spaces. */
function beforeCurrent(template: string, context: string | undefined): string {
  return template.slice(0, template.indexOf('{current}')).replaceAll('{context}', context ?? '').trimEnd();
}

/** How many leading ids of `full` the (special-token-free) encoding of `prefix` covers. */
function prefixLength(model: AttributionModel, full: readonly number[], prefix: string, skip: number): number {
  if (prefix === '') return skip;
  const eos = model.tokenizer.specialTokenIds.eos;
  const ids = model.tokenizer.encode(prefix, { addSpecialTokens: false }).filter((id) => id !== eos);
  let n = 0;
  while (n < ids.length && skip + n < full.length && full[skip + n] === ids[n]) n++;
  return skip + n;
}

/** Leading target positions that are not the model's text (BOS or decoder start token). */
function leadingSpecials(model: AttributionModel, ids: readonly number[]): number {
  const special = new Set(Object.values(model.tokenizer.specialTokenIds).filter((v): v is number => typeof v === 'number'));
  let n = 0;
  while (n < ids.length && special.has(ids[n])) n++;
  return n;
}

/** `[len, nSteps(, …)]` → per-position scores of step `step` (L2 norm over trailing axes, as `vnorm`). */
function positionScores(tensor: Tensor | null, step: number): number[] {
  if (!tensor) return [];
  const [len, steps] = tensor.shape;
  const inner = tensor.shape.slice(2).reduce((a, b) => a * b, 1);
  const out: number[] = [];
  for (let i = 0; i < len; i++) {
    const base = (i * steps + step) * inner;
    if (inner === 1) out.push(tensor.data[base]);
    else {
      let s = 0;
      for (let k = 0; k < inner; k++) s += tensor.data[base + k] ** 2;
      out.push(Math.sqrt(s));
    }
  }
  return out;
}

interface Layout {
  readonly encoderDecoder: boolean;
  readonly inputFull: string;
  readonly contextlessInput: string;
  readonly separator: string;
}

function targetText(layout: Layout, output: string): string {
  return layout.encoderDecoder ? output : `${layout.inputFull}${layout.separator}${output}`;
}

/**
 * PECoRe (Sarti et al. 2024), as Inseq's `attribute-context`: CTI scores each output current
 * token with a contrastive step function (with vs without context) and selects the context-
 * sensitive ones; CCI attributes each selected token with a contrastive attributed function and
 * selects the context tokens (cues) it relies on.
 */
export async function attributeContext(model: AttributionModel, args: AttributeContextArgs): Promise<AttributeContextOutput> {
  const encoderDecoder = model.backend.config.isEncoderDecoder;
  if (typeof args.inputCurrentText !== 'string' || args.inputCurrentText === '') {
    throw new InvalidInputError('inputCurrentText is required (--input-current-text "…").', { code: 'INVALID_ARGUMENT' });
  }
  const strategy = args.handleOutputContextStrategy ?? 'manual';
  if (!['manual', 'auto', 'pre'].includes(strategy)) {
    throw new InvalidInputError(`handleOutputContextStrategy must be 'manual', 'auto' or 'pre'; got '${strategy}'.`, { code: 'INVALID_ARGUMENT' });
  }
  const hasInputContext = args.inputContextText !== undefined;
  const inputTemplate = args.inputTemplate ?? (hasInputContext ? '{context} {current}' : '{current}');
  const outputTemplate = args.outputTemplate ?? (args.outputContextText !== undefined ? '{context} {current}' : '{current}');
  const nextTokens = args.contextlessOutputNextTokens ?? [];
  if (nextTokens.length > 0 && args.promptUserForContextlessOutputNextTokens) {
    throw new InvalidInputError(
      'Give only one of contextlessOutputNextTokens (--contextless-output-next-tokens) and promptUserForContextlessOutputNextTokens (--prompt-user-for-contextless-output-next-tokens).',
      { code: 'INVALID_ARGUMENT' },
    );
  }
  const useOutputContext = outputTemplate.includes('{context}');
  if (useOutputContext && outputTemplate.indexOf('{context}') > outputTemplate.indexOf('{current}') && outputTemplate.includes('{current}')) {
    throw new InvalidInputError(`'{context}' must come before '{current}' in outputTemplate; got ${JSON.stringify(outputTemplate)}.`, { code: 'INVALID_ARGUMENT' });
  }
  if (strategy === 'pre' && useOutputContext && args.outputContextText === undefined) {
    throw new InvalidInputError(
      "handleOutputContextStrategy 'pre' with '{context}' in the output template needs the output context given (--output-context-text), " +
        "so that the user is never asked; use 'auto' or 'manual' to split a generated output instead.",
      { code: 'INVALID_ARGUMENT' },
    );
  }
  const metric = args.contextSensitivityMetric ?? 'kl_divergence';
  const base: AttributeOptions = { ...args.attributeOptions };
  const layout: Layout = {
    encoderDecoder,
    inputFull: fill(inputTemplate, 'inputTemplate', { context: args.inputContextText, current: args.inputCurrentText }),
    contextlessInput: fill(args.contextlessInputCurrentText ?? '{current}', 'contextlessInputCurrentText', { current: args.inputCurrentText }),
    separator: args.decoderInputOutputSeparator ?? ' ',
  };
  const maxNewTokens = Number(args.generationKwargs?.max_new_tokens ?? 10);

  let outputContext = args.outputContextText;
  if (outputContext !== undefined && !useOutputContext) {
    base.onWarning?.(`The output template ${JSON.stringify(outputTemplate)} has no '{context}': the given output context is ignored (as Inseq).`);
    outputContext = undefined;
  }
  let outputCurrent = args.outputCurrentText;
  if (useOutputContext && outputContext === undefined) {
    fill(outputTemplate, 'outputTemplate', { context: '', current: '' });
    const split = await generateOutputContext(model, base, layout, { strategy, outputTemplate, inputTemplate, inputContext: args.inputContextText, maxNewTokens, prompter: args.prompter, specialTokensToKeep: args.specialTokensToKeep ?? [] });
    outputContext = split.context;
    if (outputCurrent === undefined) outputCurrent = split.current;
    else {
      base.onWarning?.(
        `The model produced the current text '${split.current}', but the given outputCurrentText '${outputCurrent}' is used instead; ` +
          'leave out --output-current-text to use the generated one.',
      );
    }
  }
  if (outputCurrent === undefined) {
    const prefix = outputContext !== undefined ? beforeCurrent(outputTemplate, outputContext) : '';
    const prompt = encoderDecoder ? layout.inputFull : targetText(layout, prefix).trimEnd();
    const generated = await attribute(model, encoderDecoder ? layout.inputFull : prompt, {
      ...base, method: 'dummy', maxNewTokens,
      ...(encoderDecoder && prefix ? { generatedTexts: prefix, generateFromTargetPrefix: true } : {}),
    });
    const ids = generated.sequence_attributions[0].target.map((t) => t.id);
    const start = prefixLength(model, ids, encoderDecoder ? prefix : prompt, leadingSpecials(model, ids));
    outputCurrent = model.tokenizer.decode(ids.slice(start), { skipSpecialTokens: true }).trim();
  }
  const outputFull = fill(outputTemplate, 'outputTemplate', { context: outputContext, current: outputCurrent });
  const contextlessOutput = fill(args.contextlessOutputCurrentText ?? '{current}', 'contextlessOutputCurrentText', { current: outputCurrent });
  const contrast: AttributeOptions = encoderDecoder
    ? { contrastSources: layout.contextlessInput, contrastTargets: contextlessOutput }
    : { contrastTargets: `${layout.contextlessInput}${layout.separator}${contextlessOutput}`, contrastForceInputs: true };
  const generatedText = targetText(layout, outputFull);

  // CTI: the contrastive metric at every generated step.
  const cti = await attribute(model, layout.inputFull, {
    ...base, ...contrast, method: 'dummy', generatedTexts: generatedText, stepScores: [metric], stepScoresArgs: undefined,
  });
  const seq = cti.sequence_attributions[0];
  const ids = seq.target.map((t) => t.id);
  const lead = leadingSpecials(model, ids);
  const keepSpecial = new Set(args.specialTokensToKeep ?? []);
  const special = new Set(Object.values(model.tokenizer.specialTokenIds).filter((v): v is number => typeof v === 'number'));
  const isShown = (id: number) => !special.has(id) || keepSpecial.has(model.tokenizer.idToToken(id));
  // Positions in the target: [outputContextStart, outputContextEnd) and [currentStart, end).
  const promptEnd = encoderDecoder ? lead : prefixLength(model, ids, layout.inputFull, lead);
  const currentStart = outputContext !== undefined
    ? prefixLength(model, ids, targetText(layout, beforeCurrent(outputTemplate, outputContext)), lead)
    : promptEnd;
  const outputContextEnd = outputContext !== undefined ? prefixLength(model, ids, targetText(layout, outputContext.trimEnd()), lead) : promptEnd;
  const currentPositions = range(Math.max(currentStart, seq.attr_pos_start), seq.attr_pos_end).filter((p) => isShown(ids[p]));
  const metricScores = seq.step_scores[metric];
  if (!metricScores) throw new InvalidInputError(`Step function '${metric}' gave no scores.`, { code: 'INVALID_ARGUMENT' });
  const ctiScores = currentPositions.map((p) => metricScores.data[p - seq.attr_pos_start]);
  const ctiSelected = selectTokens(ctiScores, { stdThreshold: args.contextSensitivityStdThreshold === null ? undefined : (args.contextSensitivityStdThreshold ?? 1), topk: args.contextSensitivityTopk });
  const token = (p: number) => seq.target[p].token;

  // Context token positions: source side (encoder-decoder) or target side (decoder-only).
  const sourceIds = seq.source.map((t) => t.id);
  const inputSide = encoderDecoder ? sourceIds : ids;
  const inputLead = leadingSpecials(model, inputSide);
  const inputContextPositions = hasInputContext
    ? range(inputLead, prefixLength(model, inputSide, beforeCurrent(inputTemplate, args.inputContextText), inputLead)).filter((p) => isShown(inputSide[p]))
    : [];
  const outputContextPositions = outputContext !== undefined ? range(promptEnd, outputContextEnd).filter((p) => isShown(ids[p])) : [];

  const cci: CciOutput[] = [];
  if (nextTokens.length > 0 && nextTokens.length !== ctiSelected.length) {
    throw new InvalidInputError(
      `contextlessOutputNextTokens (--contextless-output-next-tokens) has ${nextTokens.length} token(s) but CTI selected ${ctiSelected.length} context-sensitive token(s) ` +
        `(${JSON.stringify(ctiSelected.map((k) => token(currentPositions[k])))}); give exactly one per selected token, in that order.`,
      { code: 'INVALID_ARGUMENT' },
    );
  }
  for (const [step, k] of ctiSelected.entries()) {
    const position = currentPositions[k];
    const prefixIds = currentPositions.slice(0, k).map((p) => ids[p]);
    let forcedText: string | undefined = nextTokens[step];
    if (args.promptUserForContextlessOutputNextTokens) {
      if (!args.prompter) {
        throw noPrompterError(
          'promptUserForContextlessOutputNextTokens asks the user for each contextless alternative',
          'Give them with --contextless-output-next-tokens (contextlessOutputNextTokens), or leave out --prompt-user-for-contextless-output-next-tokens.',
        );
      }
      const shown = model.tokenizer.decode([ids[position]], { skipSpecialTokens: true });
      forcedText = await promptUserForContextlessNextToken(args.prompter, model.tokenizer.decode(prefixIds, { skipSpecialTokens: true }), shown);
    }
    let forced: number | undefined;
    if (forcedText !== undefined) {
      forced = model.tokenizer.encode(forcedText, { addSpecialTokens: false }).find((id) => !special.has(id));
      if (forced === undefined) {
        throw new InvalidInputError(`The contextless output next token ${JSON.stringify(forcedText)} encodes to no token; give a non-empty word.`, { code: 'INVALID_ARGUMENT' });
      }
    }
    const alternative = await contextlessAlternative(model, layout, prefixIds, ids, position, args.attributedFn ?? 'contrast_prob_diff', forced);
    const out = await attribute(model, layout.inputFull, {
      ...base, ...alternative.contrast, method: args.attributionMethod ?? 'saliency', attributedFn: args.attributedFn ?? 'contrast_prob_diff',
      attributionArgs: args.attributionKwargs, generatedTexts: generatedText, attrPosStart: position, attrPosEnd: position + 1,
      ...(encoderDecoder ? { attributeTarget: outputContextPositions.length > 0 } : {}),
    });
    const s: SequenceAttribution = out.sequence_attributions[0];
    const sourceScores = positionScores(s.source_attributions, 0);
    const targetScores = positionScores(s.target_attributions, 0);
    const inputSideScores = encoderDecoder ? sourceScores : targetScores;
    const total = [...sourceScores, ...targetScores].reduce((a, v) => a + (Number.isFinite(v) ? Math.abs(v) : 0), 0) || 1;
    const inputScores = inputContextPositions.map((p) => inputSideScores[p] / total);
    const outputScores = outputContextPositions.map((p) => targetScores[p] / total);
    const all = [...inputScores, ...outputScores];
    const picked = selectTokens(all, { stdThreshold: args.attributionStdThreshold === null ? undefined : (args.attributionStdThreshold ?? 1), topk: args.attributionTopk });
    const upTo = currentPositions.filter((p) => p <= position).map((p) => ids[p]);
    cci.push({
      cti_idx: k,
      cti_token: token(position),
      cti_score: ctiScores[k],
      contextual_output: model.tokenizer.decode(upTo, { skipSpecialTokens: true }),
      contrast_token: alternative.token,
      contextless_output: alternative.text,
      input_context_scores: hasInputContext ? inputScores : null,
      output_context_scores: outputContext !== undefined ? outputScores : null,
      input_context_cues: picked.filter((i) => i < inputScores.length),
      output_context_cues: picked.filter((i) => i >= inputScores.length).map((i) => i - inputScores.length),
    });
  }
  return {
    input_context: args.inputContextText ?? null,
    input_context_tokens: hasInputContext ? inputContextPositions.map((p) => (encoderDecoder ? seq.source[p].token : token(p))) : null,
    output_context: outputContext ?? null,
    output_context_tokens: outputContext !== undefined ? outputContextPositions.map(token) : null,
    output_current: outputCurrent,
    output_current_tokens: currentPositions.map(token),
    cti_scores: ctiScores,
    cti_selected: ctiSelected,
    cci_scores: cci,
    info: args.addOutputInfo === false ? null : {
      model_name: model.name, context_sensitivity_metric: metric, attribution_method: args.attributionMethod ?? 'saliency',
      attributed_fn: args.attributedFn ?? 'contrast_prob_diff', input_full_text: layout.inputFull, contextless_input_text: layout.contextlessInput,
      output_full_text: outputFull, contextless_output_text: contextlessOutput,
    },
  };
}

interface OutputContextPlan {
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
async function generateOutputContext(
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

function range(start: number, end: number): number[] {
  return Array.from({ length: Math.max(0, end - start) }, (_, i) => start + i);
}

const argmax = (row: Float32Array) => row.reduce((best, v, i) => (v > row[best] ? i : best), 0);
const oneRow = (values: readonly number[]) => ({
  inputIds: { data: Int32Array.from(values), shape: [1, values.length] },
  attentionMask: { data: new Int32Array(values.length).fill(1), shape: [1, values.length] },
});

/**
 * CCI's contrastive alternative, as Inseq's `get_contextless_output`: the `forced` token when given
 * (`contextlessOutputNextTokens` or the user's answer), else the token the model predicts greedily
 * without context after the same output prefix (`generate_contextless_output`). It is scored on its own
 * (contextless) inputs when it equals the contextual token or the function is `kl_divergence`;
 * otherwise after the contextual prefix, as Inseq's `contrast_force_inputs`.
 */
async function contextlessAlternative(
  model: AttributionModel, layout: Layout, prefixIds: readonly number[], ids: readonly number[], position: number, attributedFn: string, forced?: number,
): Promise<{ token: string; text: string; contrast: AttributeOptions }> {
  const { tokenizer } = model;
  const eos = tokenizer.specialTokenIds.eos;
  const lastIndex = (text: string, offset: number) => {
    const encoded = tokenizer.encode(text);
    const end = encoded.length > 0 && encoded[encoded.length - 1] === eos && layout.encoderDecoder ? encoded.length - 2 : encoded.length - 1;
    return offset + end;
  };
  const prefixText = tokenizer.decode(prefixIds, { skipSpecialTokens: true });
  if (layout.encoderDecoder) {
    const start = model.backend.config.decoderStartTokenId ?? model.backend.config.padTokenId ?? 0;
    const source = tokenizer.encode(layout.contextlessInput);
    const next = forced ?? argmax((await model.backend.forward({ ...oneRow([start, ...prefixIds]), encoder: oneRow(source) })).logits.data);
    const text = tokenizer.decode([...prefixIds, next], { skipSpecialTokens: true });
    return {
      token: tokenizer.idToToken(next), text,
      contrast: { contrastSources: layout.contextlessInput, contrastTargets: text, contrastTargetsAlignments: [[position, lastIndex(text, 1)]] },
    };
  }
  const prompt = prefixIds.length === 0 ? layout.contextlessInput : `${layout.contextlessInput}${layout.separator}${prefixText.trimStart()}`;
  const promptIds = tokenizer.encode(prompt);
  const next = forced ?? argmax((await model.backend.forward(oneRow(promptIds))).logits.data);
  const ownInputs = attributedFn === 'kl_divergence' || next === ids[position];
  const text = ownInputs
    ? tokenizer.decode([...promptIds, next], { skipSpecialTokens: true })
    : tokenizer.decode([...ids.slice(0, position), next], { skipSpecialTokens: true });
  return {
    token: tokenizer.idToToken(next), text: tokenizer.decode([...prefixIds, next], { skipSpecialTokens: true }),
    contrast: { contrastTargets: text, contrastForceInputs: ownInputs, contrastTargetsAlignments: [[position, lastIndex(text, 0)]] },
  };
}
