import { type AttributionMethod, logit, type OptionSpecs, type ParsedOptions, parseMethodOptions, type StepAttribution, type StepContext, type StepFunction, type Tensor } from '@inseq/core';
import { encoderDecoderLinearModel } from '@inseq/testing';
import { expect } from 'vitest';

/**
 * A hand-built encoder-decoder step on the closed-form model (logits = W · (Σ E_src + Σ E_dec)):
 * two rows, the source right-padded and the decoder prefix left-padded, as the loop builds them.
 *
 *   row 0: source "the cat </s>"       decoder "<pad> a dog"   explains "sat"
 *   row 1: source "dog </s>" + pad     decoder pad + "<pad> a"  explains "mat"
 */
export const model = encoderDecoderLinearModel();
export const hidden = 3;
export const sourceIds = [
  [1, 2, 0],
  [7, 0, 9],
];
export const sourceMask = [
  [1, 1, 1],
  [1, 1, 0],
];
export const decoderIds = [
  [9, 6, 7],
  [9, 9, 6],
];
export const decoderMask = [
  [1, 1, 1],
  [0, 1, 1],
];
export const targets = [3, 5];
const unk = 8;

export async function encoderDecoderStep<Spec extends OptionSpecs>(
  method: AttributionMethod<Spec>,
  options: Record<string, unknown> = {},
  attributedFn: StepFunction = logit,
): Promise<StepContext & { readonly options: Readonly<ParsedOptions<Spec>> }> {
  const ids = (rows: number[][]) => ({ data: Int32Array.from(rows.flat()), shape: [rows.length, rows[0].length] });
  const inputIds = ids(decoderIds);
  const encoderIds = ids(sourceIds);
  return {
    backend: model.backend,
    inputIds,
    attentionMask: ids(decoderMask),
    inputsEmbeds: await model.backend.embed(inputIds),
    targetIds: Int32Array.from(targets),
    attributedFn,
    ...(attributedFn.differentiable && { target: attributedFn.differentiable }),
    specialTokenIds: model.tokenizer.specialTokenIds,
    options: parseMethodOptions(method, options),
    encoder: { inputIds: encoderIds, attentionMask: ids(sourceMask), inputsEmbeds: await model.backend.embed(encoderIds, 'encoder') },
  };
}

/** Per row and position, the expected `[hidden]` vector (or null on padding) of one side. */
export type SideFormula = (row: number, id: number) => ArrayLike<number>;

/**
 * Positions Inseq's baseline keeps (`include_eos_baseline` false): the eos (id 0) on either side
 * and the decoder start, the first real decoder position. A method with a baseline gives them 0.
 */
export function keptByBaseline(side: 'source' | 'target', row: number, position: number): boolean {
  if (side === 'source') return sourceMask[row][position] === 1 && sourceIds[row][position] === 0;
  return decoderMask[row][position] === 1 && decoderMask[row].indexOf(1) === position;
}

/**
 * The closed form f(row, token id) on every real position of a side, zeros on its padding (and,
 * with `keptSide`, on the positions {@link keptByBaseline} keeps).
 */
export function expectSide(
  tensor: Tensor | undefined,
  ids: number[][],
  mask: number[][],
  formula: SideFormula,
  digits = 5,
  width = hidden,
  keptSide?: 'source' | 'target',
): void {
  expect(tensor).toBeDefined();
  const length = ids[0].length;
  expect(tensor!.shape).toEqual(width === 1 ? [2, length] : [2, length, width]);
  for (let b = 0; b < 2; b++) {
    for (let s = 0; s < length; s++) {
      const cell = Array.from(tensor!.data.subarray((b * length + s) * width, (b * length + s + 1) * width));
      const zero = !mask[b][s] || (keptSide !== undefined && keptByBaseline(keptSide, b, s));
      const expected = zero ? new Array(width).fill(0) : Array.from(formula(b, ids[b][s]));
      expect(cell).toEqual(expected.map((v) => expect.closeTo(v, digits)));
    }
  }
}

/**
 * Both sides of a step attribution against per-side closed forms; `baseline`: the method uses
 * Inseq's baseline, so the positions it keeps (eos, decoder start) are expected to be exactly 0.
 */
export function expectBothSides(out: StepAttribution, target: SideFormula, source: SideFormula, digits = 5, width = hidden, baseline = false): void {
  expectSide(out.attributions, decoderIds, decoderMask, target, digits, width, baseline ? 'target' : undefined);
  expectSide(out.sourceAttributions, sourceIds, sourceMask, source, digits, width, baseline ? 'source' : undefined);
}

/** W[target of row] ⊙ (e − u), the logit's exact integrated gradients for embedding e and baseline u. */
export const times = (row: number, a: ArrayLike<number>, b?: ArrayLike<number>) =>
  Array.from(model.weight(targets[row]), (w, h) => w * (a[h] - (b ? b[h] : 0)));

export const unkSource = model.sourceEmbedding(unk);
export const unkTarget = model.targetEmbedding(unk);

