import type { AttributionMethod } from '../contracts/attribution-method';
import type { StepFunction } from '../contracts/step-function';
import type { Registry } from '../registry';

/** `[targetPosition, contrastPosition]` pairs aligning a target to its contrastive alternative. */
export type ContrastAlignment = readonly (readonly [number, number])[];

/** Progress of an attribution run, one event per attributed step batch. */
export interface AttributeProgress {
  /** Steps (generated tokens) attributed so far, over all sequences. */
  readonly done: number;
  readonly total: number;
}

/** Options of {@link attribute}; every one is optional and filled in once, in one place. */
export interface AttributeOptions {
  /**
   * Method id (looked up in `methods`) or a method object.
   * @defaultValue 'saliency'
   */
  readonly method?: string | AttributionMethod;
  /** Where method ids are looked up; `inseq` passes one with the built-ins registered. */
  readonly methods?: Registry<AttributionMethod>;
  /** Where step function ids are looked up. @defaultValue the built-in step functions of core */
  readonly stepFunctions?: Registry<StepFunction>;
  /**
   * Texts to force-decode, one per input; each must start with its input text. Without them the
   * continuation is generated greedily.
   */
  readonly generatedTexts?: string | readonly string[];
  /**
   * Generation length when `generatedTexts` is absent.
   * @defaultValue generation_config.json `max_new_tokens`, else what its `max_length` leaves after the prompt, else 20
   */
  readonly maxNewTokens?: number;
  /** Step function whose value is attributed (Inseq `attributed_fn`). @defaultValue 'probability' */
  readonly attributedFn?: string;
  /** Options of the attributed function (Inseq `attributed_fn_args`). @defaultValue {} */
  readonly attributedFnArgs?: Readonly<Record<string, unknown>>;
  /** Step functions computed at each step and stored in `step_scores`. @defaultValue [] */
  readonly stepScores?: readonly string[];
  /** Options of the step functions (Inseq `step_scores_args`). @defaultValue {} */
  readonly stepScoresArgs?: Readonly<Record<string, unknown>>;
  /** Method options (Inseq `attribution_args` / CLI `--attribution-kwargs`). @defaultValue {} */
  readonly attributionArgs?: Readonly<Record<string, unknown>>;
  /** First target position to explain. @defaultValue the length of each prompt */
  readonly attrPosStart?: number;
  /** One past the last target position to explain. @defaultValue the length of each target */
  readonly attrPosEnd?: number;
  /**
   * Contrastive targets (Inseq `contrast_targets`): one alternative text per input, starting with
   * the input text. Step functions such as `contrast_prob_diff` then compare each explained token
   * with its aligned alternative. Works with batches and with every gradient method.
   */
  readonly contrastTargets?: string | readonly string[];
  /**
   * Which alternative position explains against which target position (Inseq
   * `contrast_targets_alignments`): `'auto'` (token alignment by longest common subsequence, see
   * `alignTokens`), or `[targetPosition, contrastPosition]` pairs over whole targets (prompt
   * included) — one list for all inputs or one list per input; unlisted positions align to the
   * same index. Inseq aligns positionally by default; `'auto'` is the default here because a
   * positional alignment silently pairs the wrong tokens once lengths differ.
   * @defaultValue 'auto'
   */
  readonly contrastTargetsAlignments?: 'auto' | ContrastAlignment | readonly ContrastAlignment[];
  /**
   * Score the alternative after its own prefix (the contrastive text) instead of the original
   * prefix (Inseq `contrast_force_inputs`). The contrastive term is then a constant for gradients.
   * @defaultValue false
   */
  readonly contrastForceInputs?: boolean;
  /**
   * Also attribute each step to the target prefix (Inseq `attribute_target`). Only
   * encoder-decoder models have a separate source: a decoder-only model's prompt is part of its
   * target and is always attributed, so there — as in Inseq — the flag is ignored with a warning.
   * @defaultValue false
   */
  readonly attributeTarget?: boolean;
  /**
   * Encoder-decoder: use `generatedTexts` as target prefixes and generate their continuations
   * (Inseq `generate_from_target_prefix`). @defaultValue false
   */
  readonly generateFromTargetPrefix?: boolean;
  /** Encoder-decoder, multilingual: the source language code as the tokenizer spells it (`it_IT`, `__it__`). */
  readonly srcLang?: string;
  /** Encoder-decoder, multilingual: the target language code, forced as the first generated token (`forced_bos_token_id`). */
  readonly tgtLang?: string;
  /**
   * Decoder-only chat models: render each input as a user turn with the tokenizer's chat template
   * (tokenizer_config.json `chat_template`, generation prompt added) before attributing; the
   * `generatedTexts` are then the assistant's replies only. Never applied unless asked, as Inseq.
   * @defaultValue false
   */
  readonly chatTemplate?: boolean;
  /**
   * Inseq `include_eos_baseline`: methods with a baseline (integrated gradients, DeepLIFT,
   * GradientSHAP, SIG, DIG, occlusion, the layer methods) replace the eos too. By default, as
   * Inseq, positions holding the model's eos keep it in the baseline (so their attribution is 0);
   * the decoder start token of an encoder-decoder keeps itself either way. @defaultValue false
   */
  readonly includeEosBaseline?: boolean;
  /**
   * Inseq `output_step_attributions`: also return `step_attributions`, one
   * `StepAttributionOutput` per step, batched over the sequences (plain JSON, saved as is).
   * @defaultValue false
   */
  readonly outputStepAttributions?: boolean;
  /** Receives warnings (an ignored option, …). @defaultValue `console.warn` */
  readonly onWarning?: (message: string) => void;
  /**
   * Encoder-decoder: alternative source texts, one per input (Inseq `contrast_sources`). The
   * contrastive alternative (`contrastTargets`, target texts here) is then scored on its own
   * source and prefix — the contrastive term of `contrast_prob_diff` & co. comes from that pass.
   */
  readonly contrastSources?: string | readonly string[];
  /** How many sequences are attributed together at each step. @defaultValue 8 */
  readonly batchSize?: number;
  /** Called after each step batch. */
  readonly onProgress?: (progress: AttributeProgress) => void;
}
