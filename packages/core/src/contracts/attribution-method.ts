import { InseqError } from '../errors/inseq-error';
import type { IntTensor, Tensor } from '../tensor';
import { type OptionSpecs, type ParsedOptions, parseOptions } from './option-spec';
import type { ContrastRows, DifferentiableTarget } from './differentiable-target';
import type { Capabilities, ModelBackend } from './model-backend';
import type { StepFunction } from './step-function';
import type { SpecialTokenIds } from './tokenizer';

/** The families of methods, as Inseq groups them. */
export type MethodFamily = 'gradient' | 'attention' | 'perturbation' | 'internals';

/** Everything a method sees for one generation step of a left-padded batch. */
/** Which positions keep their own token in a baseline (see {@link StepContext.baselineRule}). */
export interface BaselineRule {
  /** The model's eos (config.json `eos_token_id`, its first when a list; else the tokenizer's pad, as Inseq). */
  readonly eosTokenId?: number;
  /** Inseq `include_eos_baseline`: the eos gets the baseline token too. */
  readonly includeEos: boolean;
}

export interface StepContext {
  readonly backend: ModelBackend;
  /** The prefix before the explained token, `[batch, sequenceLength]`, padded on the left. */
  readonly inputIds: IntTensor;
  /** `[batch, sequenceLength]`, 0 on padding. */
  readonly attentionMask: IntTensor;
  /**
   * Token embeddings of `inputIds`, `[batch, sequenceLength, hidden]`. Looked up only for methods
   * whose {@link AttributionMethod.embeddings} asks for them; reading it otherwise throws.
   */
  readonly inputsEmbeds: Tensor;
  /** The explained (next) token of each row, `[batch]`. */
  readonly targetIds: Int32Array;
  /** The step function whose value is attributed (`probability` by default), options bound. */
  readonly attributedFn: StepFunction;
  /**
   * Its differentiable form with options bound; present whenever the method requires
   * `gradients` (the loop checks this before any work).
   */
  readonly target?: DifferentiableTarget;
  /** The contrastive alternative of each row (pass it to `gradients` and `attributedFn.compute`). */
  readonly contrast?: ContrastRows;
  readonly specialTokenIds: SpecialTokenIds;
  /**
   * Inseq's baseline rule (`encode(..., return_baseline=True, include_eos_baseline)`): positions
   * holding `eosTokenId` keep their id in the baseline unless `includeEos`, and an
   * encoder-decoder's decoder start token always keeps itself; every other real position gets the
   * baseline token. Absent (contexts built by hand), methods take the tokenizer's eos and
   * `includeEos: false`, Inseq's default.
   */
  readonly baselineRule?: BaselineRule;
  /** Method options (`attribution_kwargs`), parsed once by {@link parseMethodOptions} against its spec. */
  readonly options: Readonly<Record<string, unknown>>;
  /**
   * Encoder-decoder models: the source of each row (right-padded) with its encoder embeddings.
   * Methods then also return {@link StepAttribution.sourceAttributions}; `inputIds` /
   * `inputsEmbeds` above are the decoder's.
   */
  readonly encoder?: { readonly inputIds: IntTensor; readonly attentionMask: IntTensor; readonly inputsEmbeds: Tensor };
}

/**
 * Everything a method sees when it attributes every step of a batch of sequences at once
 * ({@link AttributionMethod.attributeSequence}), e.g. attention weights from one forward pass.
 */
export interface SequenceContext {
  readonly backend: ModelBackend;
  /** Whole targets (prompt + continuation), `[batch, maxLength]`, padded on the left. */
  readonly inputIds: IntTensor;
  readonly attentionMask: IntTensor;
  /**
   * Per row: padding before the row (`offset`), and the explained target positions
   * `[start, end)` counted in the row's own tokens. Step `s` explains position `start + s` from
   * positions `< start + s`.
   */
  readonly rows: readonly { readonly offset: number; readonly start: number; readonly end: number }[];
  readonly specialTokenIds: SpecialTokenIds;
  readonly options: Readonly<Record<string, unknown>>;
}

/** What {@link AttributionMethod.attributeSequence} returns: per row, like the loop's own layout. */
export interface SequenceAttributionResult {
  /** Per row, `[targetLength, nSteps, …]` with NaN on positions not yet seen at a step. */
  readonly attributions: Tensor[];
  /** Per row, extra scores by id, each `[nSteps]`. */
  readonly stepScores?: readonly Readonly<Record<string, Float32Array>>[];
}

/** What a method returns for one step. */
export interface StepAttribution {
  /**
   * `[batch, sequenceLength, …]`: `[…, hidden]` for gradient methods, `[batch, sequenceLength]`
   * for perturbation methods; padding positions are dropped by the loop. Absent for methods that
   * only produce step scores (`dummy`): `target_attributions` is then `null`.
   */
  readonly attributions?: Tensor;
  /**
   * Encoder-decoder models: attributions to the source tokens, `[batch, sourceLength, …]` (right
   * padding dropped by the loop). Required from every method that returns `attributions` when
   * the step has an `encoder`; a method that attributes one side only (a layer in one stack,
   * value zeroing of decoder values) returns the other side filled with NaN.
   */
  readonly sourceAttributions?: Tensor;
  /** Extra per-row scores (e.g. `deltas` of integrated gradients), each `[batch]`. */
  readonly stepScores?: Readonly<Record<string, Float32Array>>;
}

/**
 * When the loop looks up a step's token embeddings ({@link StepContext.inputsEmbeds}, one
 * `backend.embed` per side and step): `'always'`; `'never'` for methods that read ids only
 * (dummy, attention weights, value zeroing); `'embeddingInputs'` only on backends that offer the
 * `embeddingInputs` capability (perturbation methods, which replace ids on other backends).
 * Skipping the lookup lets those methods run on backends without an embedding table (an ONNX
 * export whose table cannot be found).
 */
export type EmbeddingsUse = 'always' | 'never' | 'embeddingInputs';

/** Whether the loop looks up token embeddings for `method`'s steps on `backend` (see {@link EmbeddingsUse}). */
export function usesEmbeddings(method: Pick<AttributionMethod, 'embeddings'>, backend: Pick<ModelBackend, 'capabilities'>): boolean {
  const use = method.embeddings ?? 'always';
  return use === 'always' || (use === 'embeddingInputs' && backend.capabilities.embeddingInputs === true);
}

/** An attribution method, as a plain object made by {@link defineMethod}. */
export interface AttributionMethod<Spec extends OptionSpecs = OptionSpecs> {
  /** Inseq's id, snake_case: `'integrated_gradients'`. */
  readonly name: string;
  readonly family: MethodFamily;
  /** Capabilities the backend must offer; checked before any work. */
  readonly requires: readonly (keyof Capabilities)[];
  /**
   * When the loop looks up {@link StepContext.inputsEmbeds}; see {@link EmbeddingsUse}.
   * @defaultValue 'always'
   */
  readonly embeddings?: EmbeddingsUse;
  /** One line for `list-methods`. */
  readonly description: string;
  /** The paper that defines it (authors, year, title, arXiv id or URL), shown by `inseq explain`. */
  readonly paper?: string;
  /**
   * Its options (`attribution_args` / `--attribution-kwargs`), declared once: types, defaults,
   * ranges, descriptions. The loop parses the user's options against it before any work (unknown
   * keys refused with the closest known one suggested); `inseq explain` and the web app's option
   * form are generated from it. @defaultValue {} (no options)
   */
  readonly options?: Spec;
  /** Optional rules across options (e.g. one option needs another), run after the spec's checks; throw InvalidInputError. */
  checkOptions?(options: ParsedOptions<Spec>): void;
  attributeStep(ctx: StepContext & { readonly options: Readonly<ParsedOptions<Spec>> }): Promise<StepAttribution>;
  /**
   * Optional: every step of a batch of sequences at once, used by the loop instead of
   * `attributeStep` when there are no contrastive inputs (e.g. attention weights of one forward
   * pass over the whole target serve every step).
   */
  attributeSequence?(ctx: SequenceContext & { readonly options: Readonly<ParsedOptions<Spec>> }): Promise<SequenceAttributionResult>;
}

/**
 * Types a method object, inferring its options' types from its `options` spec; methods are plain
 * objects, not classes.
 */
export function defineMethod<const Spec extends OptionSpecs = Record<never, never>>(method: AttributionMethod<Spec>): AttributionMethod<Spec> {
  return method;
}

/** Parses a method's options once, before any work: its spec, then its cross-option rules. */
export function parseMethodOptions<Spec extends OptionSpecs>(method: AttributionMethod<Spec>, raw: unknown): ParsedOptions<Spec> {
  const parsed = parseOptions(method.name, raw ?? {}, method.options ?? ({} as Spec));
  method.checkOptions?.(parsed);
  return parsed;
}

/** The differentiable target of a step, for methods that require gradients. */
export function requireTarget(ctx: StepContext, method: string): DifferentiableTarget {
  if (!ctx.target) {
    throw new InseqError(`${method} needs a differentiable attributed function; '${ctx.attributedFn.name}' is not.`, { code: 'INVALID_ARGUMENT' });
  }
  return ctx.target;
}
