import type { AttributeOptions } from '@inseq/core';

/**
 * How a generated output is split into context and current when the output template has `{context}`
 * and no `outputContextText` is given (Inseq's `handle_output_context_strategy`): `manual` asks the
 * user (through {@link ContextPrompter}) to confirm the candidate split or type the context; `auto`
 * takes the candidate (asking only when there is none, as Inseq); `pre` refuses (the context must be given).
 */
export type OutputContextStrategy = 'manual' | 'auto' | 'pre';

/** The user's side of the interactive questions (Inseq's `rich` prompts); the CLI answers on the terminal. */
export interface ContextPrompter {
  /** A yes/no question; true for yes. */
  confirm(question: string): boolean | Promise<boolean>;
  /** A free-text question; the answer as typed. */
  ask(question: string): string | Promise<string>;
  /** Tells the user an answer was invalid (before asking again). */
  notify?(message: string): void;
}

/** Arguments of {@link attributeContext}, named as Inseq's `AttributeContextArgs` (camelCase). */
export interface AttributeContextArgs {
  /** The input context (e.g. previous sentences); may be omitted when only the output has context. */
  readonly inputContextText?: string;
  /** The input current text (required). */
  readonly inputCurrentText: string;
  /** The output context; generated (see `handleOutputContextStrategy`) when the output template asks for one. */
  readonly outputContextText?: string;
  /** The output current text; generated with the context when omitted. */
  readonly outputCurrentText?: string;
  /** Template of the contextless input; `{current}` is replaced. @defaultValue '{current}' */
  readonly contextlessInputCurrentText?: string;
  /** Template of the contextless output; `{current}` is replaced. @defaultValue '{current}' */
  readonly contextlessOutputCurrentText?: string;
  /** Step function scoring context sensitivity (contrastive). @defaultValue 'kl_divergence' */
  readonly contextSensitivityMetric?: string;
  /** CTI: keep tokens with |score| ≥ mean + k·std (null: no threshold). @defaultValue 1 */
  readonly contextSensitivityStdThreshold?: number | null;
  /** CTI: keep at most the k highest. */
  readonly contextSensitivityTopk?: number;
  /** CCI attribution method. @defaultValue 'saliency' */
  readonly attributionMethod?: string;
  /** CCI attributed function (contrastive). @defaultValue 'contrast_prob_diff' */
  readonly attributedFn?: string;
  /** CCI: keep context tokens with |score| ≥ mean + k·std (null: no threshold). @defaultValue 1 (Inseq's default) */
  readonly attributionStdThreshold?: number | null;
  /** CCI: keep at most the k highest. */
  readonly attributionTopk?: number;
  /** Input template with `{context}` and `{current}`. @defaultValue '{context} {current}' with a context, else '{current}' */
  readonly inputTemplate?: string;
  /** Output template with `{context}` and `{current}`. @defaultValue '{context} {current}' with an output context, else '{current}' */
  readonly outputTemplate?: string;
  /** Special tokens kept in the scored and displayed tokens (others are dropped). @defaultValue [] */
  readonly specialTokensToKeep?: readonly string[];
  /** Decoder-only: text between the input and the output. @defaultValue ' ' */
  readonly decoderInputOutputSeparator?: string;
  /** How a generated output context is separated from the current output (see {@link OutputContextStrategy}). @defaultValue 'manual' */
  readonly handleOutputContextStrategy?: OutputContextStrategy;
  /**
   * Answers the interactive questions of `manual` (and `auto` without a candidate) and of
   * `promptUserForContextlessOutputNextTokens`. Without one, a question fails with an error naming
   * the non-interactive alternative.
   */
  readonly prompter?: ContextPrompter;
  /**
   * CCI: one text per context-sensitive token (in the order of `cci_scores`) whose first token is
   * force-decoded as the contextless alternative instead of the contextless model's greedy token
   * (Inseq's `contextless_output_next_tokens`). Its length must equal the number of selected tokens.
   */
  readonly contextlessOutputNextTokens?: readonly string[];
  /** CCI: ask the user (through `prompter`) for each contextless alternative; not with `contextlessOutputNextTokens`. @defaultValue false */
  readonly promptUserForContextlessOutputNextTokens?: boolean;
  /** Keep `info` (model, arguments) in the output. @defaultValue true */
  readonly addOutputInfo?: boolean;
  /** Arguments of the attribution method (Inseq `attribution_kwargs`). */
  readonly attributionKwargs?: Readonly<Record<string, unknown>>;
  /** Generation: `max_new_tokens` is honoured. */
  readonly generationKwargs?: Readonly<Record<string, unknown>>;
  /** Registries and other `attribute` options passed through (e.g. `methods`, `stepFunctions`). */
  readonly attributeOptions?: Pick<AttributeOptions, 'methods' | 'stepFunctions' | 'onWarning' | 'batchSize'>;
}

/** One CCI result (Inseq `CCIOutput`). */
export interface CciOutput {
  /** Index of the context-sensitive token in `output_current_tokens`. */
  readonly cti_idx: number;
  readonly cti_token: string;
  readonly cti_score: number;
  /** The output current text up to and including the token. */
  readonly contextual_output: string;
  /** The token the model predicts without context at this step (the contrastive alternative). */
  readonly contrast_token: string;
  /** The output current up to the token, ending with `contrast_token` instead. */
  readonly contextless_output: string;
  /** CCI score of each input context token (null: no input context). */
  readonly input_context_scores: number[] | null;
  /** CCI score of each output context token (decoder-only with an output context; else null). */
  readonly output_context_scores: number[] | null;
  /** Indices of the selected cues in `input_context_tokens` and `output_context_tokens`. */
  readonly input_context_cues: number[];
  readonly output_context_cues: number[];
}

/** What {@link attributeContext} returns and `--save-path` writes (Inseq `AttributeContextOutput`). */
export interface AttributeContextOutput {
  readonly input_context: string | null;
  readonly input_context_tokens: string[] | null;
  readonly output_context: string | null;
  readonly output_context_tokens: string[] | null;
  readonly output_current: string;
  readonly output_current_tokens: string[];
  /** CTI score of each output current token. */
  readonly cti_scores: number[];
  /** Indices of the context-sensitive tokens in `output_current_tokens`. */
  readonly cti_selected: number[];
  readonly cci_scores: CciOutput[];
  readonly info: Record<string, unknown> | null;
}
