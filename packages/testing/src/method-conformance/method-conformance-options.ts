import type { AttributeOptions, AttributionModel, ModelConfig, Registry, StepFunction, attribute } from '@inseq/core';

/** One text of the conformance batch: the prompt and the text to force-decode (starting with it for decoder-only models). */
export interface ConformanceText {
  readonly input: string;
  readonly generated: string;
}

/** Completeness promised by a method: Σ attributions ≈ f(x) − f(baseline), read from a step score. */
export interface CompletenessOptions {
  /**
   * Largest accepted |delta| relative to the gain |f(x) − f(x′)| (= |Σ attributions − delta|) of
   * each step; the absolute floor {@link CompletenessOptions.absolute} covers gains near zero.
   */
  readonly tolerance: number;
  /** @defaultValue 1e-6 */
  readonly absolute?: number;
  /**
   * The step score holding Σ attributions − (f(x) − f(x′)) per step.
   * @defaultValue 'deltas'
   */
  readonly stepScore?: string;
  /**
   * Method options merged into `attributionArgs` for every run so that the method reports it.
   * @defaultValue `{ return_convergence_delta: true }`
   */
  readonly attributionArgs?: Readonly<Record<string, unknown>>;
}

/** Options of {@link runMethodConformance}. */
export interface MethodConformanceOptions {
  /** The models to run on (e.g. from {@link conformanceModels}); each gets every check. */
  readonly models: readonly AttributionModel[];
  /** Method options (`attribution_kwargs`); keep them small, every check runs the method several times. @defaultValue {} */
  readonly attributionArgs?: Readonly<Record<string, unknown>>;
  /** Where step function ids are looked up. @defaultValue core's built-in step functions */
  readonly stepFunctions?: Registry<StepFunction>;
  /** Step function whose value is attributed. @defaultValue 'probability' */
  readonly attributedFn?: string;
  /** Its options. @defaultValue {} */
  readonly attributedFnArgs?: Readonly<Record<string, unknown>>;
  /** Step scores computed in every run (their shapes are checked too). @defaultValue ['probability'] */
  readonly stepScores?: readonly string[];
  /**
   * Two texts of different lengths, attributed together (left padded) and one by one.
   * @defaultValue `the cat sat` → `the cat sat on the`, `a dog` → `a dog sat`
   */
  readonly texts?: readonly [ConformanceText, ConformanceText];
  /**
   * Trailing axes of the attributions after `[length, steps]`, as stated by the caller: a list, or
   * a function of the model's config (`c => [c.hiddenSize]` for gradient methods, `[]` for one
   * score per token). Absent: any trailing axes, but the same in every run and on both sides.
   */
  readonly trailingAxes?: readonly number[] | ((config: ModelConfig) => readonly number[]);
  /** Whether the method returns attributions at all; `false` for step-score-only methods (`dummy`). @defaultValue true */
  readonly expectAttributions?: boolean;
  /**
   * Largest accepted difference between a row attributed in a batch and alone, relative to the
   * largest magnitude of the compared tensor. @defaultValue 1e-4
   */
  readonly batchTolerance?: number;
  /** The same, between two runs with the same options (and so the same seed). @defaultValue 0 (bit-identical) */
  readonly determinismTolerance?: number;
  /** Check completeness where the method promises it; absent: the check is reported skipped. */
  readonly completeness?: CompletenessOptions;
  /**
   * Throw one {@link InvalidInputError} listing every failed check.
   * @defaultValue true
   */
  readonly assert?: boolean;
  /** The loop driven; core's `attribute` by default (tests of the conformance itself swap it). */
  readonly attribute?: typeof attribute;
  /** Extra options passed to every `attribute` call (e.g. `attrPosStart`). */
  readonly attributeOptions?: Partial<AttributeOptions>;
}

/** What a check came to: `skipped` is never counted as passed. */
export type ConformanceStatus = 'passed' | 'failed' | 'skipped';

/** One check on one model. */
export interface ConformanceCheck {
  /** `capabilities`, `runs`, `shapes`, `nan-discipline`, `batching`, `determinism` or `completeness`. */
  readonly name: ConformanceCheckName;
  /** The model's `name`. */
  readonly model: string;
  readonly status: ConformanceStatus;
  /** `status === 'passed'`. */
  readonly passed: boolean;
  /** What was found: the first mismatch, the reason for a skip, or what was checked. */
  readonly detail: string;
}

/** The checks, in the order they run. */
export const conformanceCheckNames = ['capabilities', 'runs', 'shapes', 'nan-discipline', 'batching', 'determinism', 'completeness'] as const;
export type ConformanceCheckName = (typeof conformanceCheckNames)[number];

/** What {@link runMethodConformance} returns. */
export interface MethodConformanceReport {
  readonly method: string;
  readonly checks: readonly ConformanceCheck[];
  /** No check failed (skipped ones do not fail). */
  readonly passed: boolean;
  /** The failed checks. */
  readonly failures: readonly ConformanceCheck[];
}

