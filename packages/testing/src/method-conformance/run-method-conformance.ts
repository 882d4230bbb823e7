import {
  type AttributeOptions,
  type AttributionMethod,
  type AttributionModel,
  type FeatureAttributionOutput,
  InseqError,
  InvalidInputError,
  type SequenceAttribution,
  attribute as coreAttribute,
} from '@inseq/core';
import { attributionSumScale, completenessProblems } from './check-completeness';
import { type LayoutExpectation, nanProblems, shapeProblems } from './check-layout';
import { sequenceDifferences } from './compare-sequences';
import { countBackendCalls } from './count-backend-calls';
import { MethodConformanceError } from './method-conformance-error';
import type {
  ConformanceCheck,
  ConformanceCheckName,
  ConformanceStatus,
  ConformanceText,
  MethodConformanceOptions,
  MethodConformanceReport,
} from './method-conformance-options';

const DEFAULT_TEXTS: readonly [ConformanceText, ConformanceText] = [
  { input: 'the cat sat', generated: 'the cat sat on the' },
  { input: 'a dog', generated: 'a dog sat' },
];

const message = (error: unknown) => (error instanceof Error ? `${error.name}: ${error.message}` : String(error));

/** Checks of one model, in order. */
async function checkModel(method: AttributionMethod, model: AttributionModel, options: MethodConformanceOptions): Promise<ConformanceCheck[]> {
  const checks: ConformanceCheck[] = [];
  const record = (name: ConformanceCheckName, status: ConformanceStatus, detail: string) =>
    checks.push({ name, model: model.name, status, passed: status === 'passed', detail });
  const fromProblems = (name: ConformanceCheckName, problems: string[], ok: string) =>
    record(name, problems.length === 0 ? 'passed' : 'failed', problems.length === 0 ? ok : problems.join('\n'));
  const skipRest = (from: ConformanceCheckName, reason: string) => {
    const names: ConformanceCheckName[] = ['runs', 'shapes', 'nan-discipline', 'batching', 'determinism', 'completeness'];
    for (const name of names.slice(names.indexOf(from))) record(name, 'skipped', reason);
  };

  const attribute = options.attribute ?? coreAttribute;
  const texts = options.texts ?? DEFAULT_TEXTS;
  const stepScores = options.stepScores ?? ['probability'];
  const completeness = options.completeness;
  const encoderDecoder = model.backend.config.isEncoderDecoder;
  const run = (target: AttributionModel, which: readonly ConformanceText[]): Promise<FeatureAttributionOutput> => {
    const settings: AttributeOptions = {
      onWarning: () => {},
      ...options.attributeOptions,
      method,
      stepFunctions: options.stepFunctions,
      attributedFn: options.attributedFn,
      attributedFnArgs: options.attributedFnArgs,
      stepScores: [...new Set([...stepScores, ...(options.attributeOptions?.stepScores ?? [])])],
      attributionArgs: { ...options.attributionArgs, ...(completeness ? (completeness.attributionArgs ?? { return_convergence_delta: true }) : {}) },
      generatedTexts: which.map((text) => text.generated),
      ...(encoderDecoder ? { attributeTarget: true } : {}),
    };
    return attribute(target, which.map((text) => text.input), settings);
  };

  // A missing capability fails before any work, with MissingCapabilityError.
  const missing = method.requires.filter((capability) => model.backend.capabilities[capability] !== true);
  if (missing.length > 0) {
    const counted = countBackendCalls(model.backend);
    let error: unknown;
    try {
      await run({ ...model, backend: counted.backend }, [texts[0]]);
    } catch (caught) {
      error = caught;
    }
    const calls = counted.calls();
    const problems: string[] = [];
    if (error === undefined) problems.push(`the backend lacks ${missing.join(', ')} but the attribution ran`);
    else if (!InseqError.isInstance(error) || error.code !== 'MISSING_CAPABILITY') problems.push(`expected a MissingCapabilityError, got ${message(error)}`);
    if (calls.length > 0) problems.push(`the backend did work before the refusal: ${calls.join(', ')}`);
    fromProblems('capabilities', problems, `refused before any work: ${message(error)}`);
    skipRest('runs', `the backend lacks ${missing.join(', ')}`);
    return checks;
  }
  record('capabilities', 'skipped', `the backend offers every required capability (${method.requires.join(', ') || 'none'}); nothing to refuse`);

  // The runs every later check reads: both texts in one batch, each alone, the second (shorter) one again.
  let batch: FeatureAttributionOutput;
  let alone: SequenceAttribution[];
  let again: SequenceAttribution;
  try {
    batch = await run(model, texts);
    alone = [(await run(model, [texts[0]])).sequence_attributions[0], (await run(model, [texts[1]])).sequence_attributions[0]];
    again = (await run(model, [texts[1]])).sequence_attributions[0];
  } catch (error) {
    record('runs', 'failed', message(error));
    skipRest('shapes', 'the method did not run');
    return checks;
  }
  record('runs', 'passed', 'a batch of two texts and each text alone');

  const trailing = typeof options.trailingAxes === 'function' ? options.trailingAxes(model.backend.config) : options.trailingAxes;
  const expectation: LayoutExpectation = {
    trailing,
    encoderDecoder,
    expectAttributions: options.expectAttributions ?? true,
    stepScores: [...stepScores, ...(completeness ? [completeness.stepScore ?? 'deltas'] : [])],
  };
  const labelled: [string, SequenceAttribution][] = [
    ...batch.sequence_attributions.map((sequence, i): [string, SequenceAttribution] => [`batch row ${i}`, sequence]),
    ...alone.map((sequence, i): [string, SequenceAttribution] => [`text ${i} alone`, sequence]),
  ];
  const shapes = labelled.flatMap(([label, sequence]) => shapeProblems(sequence, expectation, label));
  if (batch.sequence_attributions.length !== texts.length) shapes.push(`the batch gave ${batch.sequence_attributions.length} sequences for ${texts.length} texts`);
  // Without stated trailing axes, they must at least agree between runs.
  const trailingOf = (sequence: SequenceAttribution) => sequence.target_attributions?.shape.slice(2).join(', ');
  const seen = new Set(labelled.map(([, sequence]) => trailingOf(sequence)));
  if (seen.size > 1) shapes.push(`trailing axes differ between runs: ${[...seen].map((axes) => `[${axes}]`).join(' vs ')}`);
  const axes = trailing ? `[${trailing.join(', ')}] as stated` : `[${trailingOf(alone[0]) ?? ''}] (not stated)`;
  fromProblems('shapes', shapes, expectation.expectAttributions ? `[length, steps, …${axes}]` : 'step scores only, as stated');
  if (shapes.length > 0) {
    skipRest('nan-discipline', 'the shapes are wrong');
    return checks;
  }
  if (expectation.expectAttributions) {
    fromProblems(
      'nan-discipline',
      labelled.flatMap(([label, sequence]) => nanProblems(sequence, encoderDecoder, label)),
      'finite where due, NaN on positions not yet generated',
    );
  } else {
    record('nan-discipline', 'skipped', 'no attributions (expectAttributions: false)');
  }

  const tolerance = options.batchTolerance ?? 1e-4;
  // Completeness deltas are small differences of large terms: compared on the scale of Σ attributions.
  const floors = (sequence: SequenceAttribution) => (completeness ? { [completeness.stepScore ?? 'deltas']: attributionSumScale(sequence) } : {});
  fromProblems(
    'batching',
    alone.flatMap((sequence, i) =>
      sequenceDifferences(batch.sequence_attributions[i], sequence, tolerance, `text ${i} in a batch vs alone`, floors(sequence)),
    ),
    `each row of a left-padded batch equals the text alone (tolerance ${tolerance})`,
  );
  const repeat = options.determinismTolerance ?? 0;
  fromProblems('determinism', sequenceDifferences(again, alone[1], repeat, 'second run vs first'), repeat === 0 ? 'two runs bit-identical' : `two runs within ${repeat}`);

  if (!completeness) {
    record('completeness', 'skipped', 'not promised (pass completeness: { tolerance } for a method that promises it)');
  } else {
    const settings = { stepScore: completeness.stepScore ?? 'deltas', tolerance: completeness.tolerance, absolute: completeness.absolute ?? 1e-6 };
    fromProblems(
      'completeness',
      labelled.flatMap(([label, sequence]) => completenessProblems(sequence, settings, label)),
      `Σ attributions = f(x) − f(x′) within ${settings.tolerance} (relative) at every step`,
    );
  }
  return checks;
}

/** One line per check, for a failure message or a log. */
export function formatConformanceReport(report: MethodConformanceReport, which: 'all' | 'failed' = 'all'): string {
  const checks = which === 'all' ? report.checks : report.failures;
  return checks.map((check) => `${check.status.toUpperCase()} ${check.model} · ${check.name}: ${check.detail.replaceAll('\n', '\n    ')}`).join('\n');
}

/**
 * Runs the conformance checks every attribution method should pass, on each of `options.models`,
 * through core's `attribute` loop, and returns the report (with `assert`, the default, throws one
 * {@link MethodConformanceError} listing every failed check instead). Independent of any test
 * framework; call it from a test.
 *
 * - `capabilities`: on a backend lacking what `method.requires`, the loop refuses with
 *   MissingCapabilityError before any backend call (the other checks are then skipped);
 * - `runs`: two texts of different lengths attribute in one batch and each alone;
 * - `shapes`: Inseq's layout, `target_attributions` `[len(target), steps, …trailing]`
 *   (`source_attributions` too on encoder-decoder models), trailing axes as stated in
 *   `trailingAxes`, step scores `[steps]`;
 * - `nan-discipline`: finite wherever a value is due, NaN exactly on positions not yet generated;
 * - `batching`: each row of the left-padded batch equals its text attributed alone;
 * - `determinism`: a second run with the same options (so the same seed) gives identical numbers;
 * - `completeness`: where `options.completeness` says the method promises it, Σ attributions ≈
 *   f(x) − f(x′) through its `deltas` step score; reported `skipped` otherwise.
 *
 * @example
 * ```ts
 * const models = await conformanceModels(loadTfjsBackend);
 * await runMethodConformance(myMethod, { models, trailingAxes: [] });
 * ```
 */
export async function runMethodConformance(method: AttributionMethod, options: MethodConformanceOptions): Promise<MethodConformanceReport> {
  if (options.models.length === 0) {
    throw new InvalidInputError('runMethodConformance needs at least one model (see conformanceModels).', { code: 'INVALID_ARGUMENT' });
  }
  const checks: ConformanceCheck[] = [];
  for (const model of options.models) checks.push(...(await checkModel(method, model, options)));
  const failures = checks.filter((check) => check.status === 'failed');
  const report: MethodConformanceReport = { method: method.name, checks, passed: failures.length === 0, failures };
  if ((options.assert ?? true) && !report.passed) {
    throw new MethodConformanceError(
      `${method.name}: ${failures.length} conformance check${failures.length === 1 ? '' : 's'} failed\n${formatConformanceReport(report, 'failed')}`,
      { report },
    );
  }
  return report;
}
