import { type AttributeOptions, type AttributionModel, InvalidInputError, type SequenceAttribution } from '@inseq/core';
import { attribute } from '../attribute';
import type { AttributeContextArgs, AttributeContextOutput, CciOutput } from './attribute-context-types';
import { beforeCurrent, fill, type Layout, leadingSpecials, positionScores, prefixLength, targetText } from './context-layout';
import { generateOutputContext } from './generated-output-context';
import { noPrompterError, promptUserForContextlessNextToken } from './output-context';
import { selectTokens } from './select-tokens';

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
  const maxNewTokens = args.generationKwargs?.max_new_tokens ?? 10;
  if (typeof maxNewTokens !== 'number' || !Number.isInteger(maxNewTokens) || maxNewTokens < 1) {
    throw new InvalidInputError(`generationKwargs.max_new_tokens must be a positive integer, got ${JSON.stringify(maxNewTokens)}.`, { code: 'INVALID_ARGUMENT' });
  }

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
