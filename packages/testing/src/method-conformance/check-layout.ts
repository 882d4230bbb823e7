import type { SequenceAttribution, Tensor } from '@inseq/core';

/** What the layout checks need to know about the run. */
export interface LayoutExpectation {
  /** Trailing axes after `[length, steps]`; `undefined`: any. */
  readonly trailing?: readonly number[];
  readonly encoderDecoder: boolean;
  readonly expectAttributions: boolean;
  readonly stepScores: readonly string[];
}

const shapeText = (shape: readonly number[]) => `[${shape.join(', ')}]`;
const sameShape = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((n, i) => n === b[i]);

/**
 * Inseq's layout of one sequence: `target_attributions` `[len(target), steps, …trailing]`,
 * `source_attributions` `[len(source), steps, …trailing]` for encoder-decoder models (else
 * `null`), every step score `[steps]`. Returns the problems found, empty when none.
 */
export function shapeProblems(sequence: SequenceAttribution, expected: LayoutExpectation, label: string): string[] {
  const problems: string[] = [];
  const steps = sequence.attr_pos_end - sequence.attr_pos_start;
  if (steps < 1) problems.push(`${label}: no step explained (attr_pos ${sequence.attr_pos_start}…${sequence.attr_pos_end})`);
  for (const name of expected.stepScores) {
    const score = sequence.step_scores[name];
    if (!score) problems.push(`${label}: step score '${name}' missing`);
    else if (!sameShape(score.shape, [steps])) problems.push(`${label}: step score '${name}' has shape ${shapeText(score.shape)}, expected [${steps}]`);
  }
  const sides: [string, Tensor | null, number][] = [['target_attributions', sequence.target_attributions, sequence.target.length]];
  if (expected.encoderDecoder) sides.push(['source_attributions', sequence.source_attributions, sequence.source.length]);
  else if (sequence.source_attributions !== null) problems.push(`${label}: source_attributions must be null for a decoder-only model`);
  if (!expected.expectAttributions) {
    for (const [name, tensor] of sides) if (tensor !== null) problems.push(`${label}: ${name} should be null (expectAttributions: false)`);
    return problems;
  }
  const trailing: (readonly number[])[] = [];
  for (const [name, tensor, length] of sides) {
    if (tensor === null) {
      problems.push(`${label}: ${name} is null`);
      continue;
    }
    const size = tensor.shape.reduce((a, b) => a * b, 1);
    if (size !== tensor.data.length) problems.push(`${label}: ${name} has ${tensor.data.length} values for shape ${shapeText(tensor.shape)}`);
    const head = [length, steps];
    const rest = tensor.shape.slice(2);
    if (!sameShape(tensor.shape.slice(0, 2), head)) {
      problems.push(`${label}: ${name} has shape ${shapeText(tensor.shape)}, expected ${shapeText(head)} + trailing axes`);
    } else if (expected.trailing && !sameShape(rest, expected.trailing)) {
      problems.push(`${label}: ${name} has trailing axes ${shapeText(rest)}, expected ${shapeText(expected.trailing)}`);
    }
    trailing.push(rest);
  }
  if (trailing.length === 2 && !sameShape(trailing[0], trailing[1])) {
    problems.push(`${label}: target and source trailing axes differ (${shapeText(trailing[0])} vs ${shapeText(trailing[1])})`);
  }
  return problems;
}

/** Counts of non-finite values: NaN where a value is due, Inf anywhere, finite where NaN is due. */
interface SideScan {
  readonly due: number;
  readonly missing: string[];
  readonly extra: string[];
}

/** Scans a `[length, steps, …]` tensor; `visible(p, s)` says whether position p has a value at step s. */
function scan(tensor: Tensor, visible: (p: number, s: number) => boolean): SideScan {
  const [length, steps] = tensor.shape;
  const inner = tensor.shape.slice(2).reduce((a, b) => a * b, 1);
  const missing: string[] = [];
  const extra: string[] = [];
  let due = 0;
  for (let p = 0; p < length; p++) {
    for (let s = 0; s < steps; s++) {
      const due_ = visible(p, s);
      if (due_) due++;
      for (let i = 0; i < inner; i++) {
        const value = tensor.data[(p * steps + s) * inner + i];
        const where = `position ${p}, step ${s}${inner > 1 ? `, index ${i}` : ''}`;
        if (due_ && !Number.isFinite(value)) missing.push(`${where} is ${value}`);
        else if (!due_ && !Number.isNaN(value)) extra.push(`${where} is ${value} (not yet generated: NaN expected)`);
      }
    }
  }
  return { due, missing, extra };
}

const firstFew = (list: string[]) => (list.length > 3 ? `${list.slice(0, 3).join('; ')}; … ${list.length - 3} more` : list.join('; '));

/**
 * NaN discipline of one sequence whose shapes are right: a finite value wherever one is due
 * (target position p at step s when p < attr_pos_start + s; every source position), NaN exactly
 * where none is (positions not yet generated), no Inf. On encoder-decoder models a side that is NaN
 * everywhere is accepted as a method that attributes one side only, but not both.
 */
export function nanProblems(sequence: SequenceAttribution, encoderDecoder: boolean, label: string): string[] {
  const problems: string[] = [];
  const start = sequence.attr_pos_start;
  const sides: [string, Tensor | null, (p: number, s: number) => boolean][] = [
    ['target_attributions', sequence.target_attributions, (p, s) => p < start + s],
  ];
  if (encoderDecoder) sides.push(['source_attributions', sequence.source_attributions, () => true]);
  let oneSided = 0;
  for (const [name, tensor, visible] of sides) {
    if (!tensor) continue;
    const found = scan(tensor, visible);
    const allNaN = tensor.data.every((v) => Number.isNaN(v));
    if (encoderDecoder && allNaN) {
      oneSided++;
      continue;
    }
    if (found.missing.length > 0) problems.push(`${label}: ${name}: ${found.missing.length} of the due values not finite (${firstFew(found.missing)})`);
    if (found.extra.length > 0) problems.push(`${label}: ${name}: ${firstFew(found.extra)}`);
  }
  if (encoderDecoder && oneSided === 2) problems.push(`${label}: both source_attributions and target_attributions are NaN everywhere`);
  for (const [name, score] of Object.entries(sequence.step_scores)) {
    const bad = Array.from(score.data).flatMap((v, s) => (Number.isFinite(v) ? [] : [`step ${s} is ${v}`]));
    if (bad.length > 0) problems.push(`${label}: step score '${name}': ${firstFew(bad)}`);
  }
  return problems;
}
