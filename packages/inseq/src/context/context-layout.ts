import { type AttributionModel, InvalidInputError, type Tensor } from '@inseq/core';

// Texts of attribute-context's templates and where they fall in token ids.

export function fill(template: string, name: string, parts: { context?: string; current: string }): string {
  if (!template.includes('{current}')) {
    throw new InvalidInputError(`${name} must contain '{current}'; got ${JSON.stringify(template)}.`, { code: 'INVALID_ARGUMENT' });
  }
  if (template.includes('{context}') && parts.context === undefined) {
    throw new InvalidInputError(`${name} has '{context}' but no context text was given.`, { code: 'INVALID_ARGUMENT' });
  }
  return template.replaceAll('{context}', parts.context ?? '').replaceAll('{current}', parts.current);
}

/** Text of `template` before `{current}` with `{context}` filled, without its trailing spaces. */
export function beforeCurrent(template: string, context: string | undefined): string {
  return template.slice(0, template.indexOf('{current}')).replaceAll('{context}', context ?? '').trimEnd();
}

/** How many leading ids of `full` the (special-token-free) encoding of `prefix` covers. */
export function prefixLength(model: AttributionModel, full: readonly number[], prefix: string, skip: number): number {
  if (prefix === '') return skip;
  const eos = model.tokenizer.specialTokenIds.eos;
  const ids = model.tokenizer.encode(prefix, { addSpecialTokens: false }).filter((id) => id !== eos);
  let n = 0;
  while (n < ids.length && skip + n < full.length && full[skip + n] === ids[n]) n++;
  return skip + n;
}

/** Leading target positions that are not the model's text (BOS or decoder start token). */
export function leadingSpecials(model: AttributionModel, ids: readonly number[]): number {
  const special = new Set(Object.values(model.tokenizer.specialTokenIds).filter((v): v is number => typeof v === 'number'));
  let n = 0;
  while (n < ids.length && special.has(ids[n])) n++;
  return n;
}

/** `[len, nSteps(, …)]` → per-position scores of step `step` (L2 norm over trailing axes, as `vnorm`). */
export function positionScores(tensor: Tensor | null, step: number): number[] {
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

export interface Layout {
  readonly encoderDecoder: boolean;
  readonly inputFull: string;
  readonly contextlessInput: string;
  readonly separator: string;
}

export function targetText(layout: Layout, output: string): string {
  return layout.encoderDecoder ? output : `${layout.inputFull}${layout.separator}${output}`;
}
