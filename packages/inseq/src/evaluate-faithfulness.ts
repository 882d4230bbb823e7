import { defaultAggregate, defaultAggregationFunction } from '@inseq/aggregators';
import {
  type AttributionMethod,
  type AttributionModel,
  InvalidInputError,
  type Registry,
  type StepFunction,
  checkCapabilities,
  padLeft,
  parseMethodOptions,
  probability,
} from '@inseq/core';
import type { FaithfulnessScores, FaithfulnessSummary, MethodFaithfulness } from '@inseq/viz';
import { attribute } from './attribute';
import { createDefaultRegistries } from './default-registries';
import { type EvaluationCase, decisiveRange } from './evaluation-cases';
import {
  chanceHit,
  erasureInputs,
  hitAt,
  positionsOfCharacters,
  randomRanking,
  rankPositions,
  seededUniform,
} from './faithfulness-metrics';

/** The id of the seeded random ranking reported beside the methods (chance level, measured). */
export const RANDOM_BASELINE = 'random';

/** Progress of {@link evaluateFaithfulness}: one event per attributed (case, method) pair. */
export interface EvaluationProgress {
  readonly done: number;
  readonly total: number;
  readonly method: string;
  readonly caseIndex: number;
}

/** Options of {@link evaluateFaithfulness}. */
export interface EvaluateFaithfulnessOptions {
  /**
   * Method ids to evaluate. @defaultValue every registered method (but `dummy`) whose
   * capabilities the model's backend offers and whose options all have defaults; the others are
   * listed in `skipped` with the reason
   */
  readonly methods?: readonly string[];
  /** Tokens kept or removed: hit@k, comprehensiveness and sufficiency at k, AOPC over 1…k. @defaultValue 3 */
  readonly k?: number;
  /** Method options by method id (`{ integrated_gradients: { n_steps: 20 } }`). @defaultValue each method's defaults */
  readonly attributionArgs?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  /** Seeds the `random` baseline, and methods with a `seed` option not set in `attributionArgs`. @defaultValue 42 */
  readonly seed?: number;
  /** Where method and step function ids are looked up (plugins). @defaultValue the built-ins */
  readonly registries?: { readonly methods: Registry<AttributionMethod>; readonly stepFunctions: Registry<StepFunction> };
  /** Rows per forward pass when scoring the erased inputs. @defaultValue 16 */
  readonly batchSize?: number;
  /** Record seconds per case of each method in `timings` (off by default, so equal runs give equal results). @defaultValue false */
  readonly timings?: boolean;
  readonly onProgress?: (progress: EvaluationProgress) => void;
  /** Receives warnings of the attribution runs. @defaultValue ignored */
  readonly onWarning?: (message: string) => void;
}

/** What one method (or the baseline) did on one case. */
export interface CaseMethodRecord {
  /** Rankable prompt positions, most important first. */
  readonly ranking: number[];
  /** Per prompt token, the score the ranking sorts (the method's default aggregation; absent for `random`). */
  readonly scores?: number[];
  readonly hitAt1: boolean;
  readonly hitAtK: boolean;
  /** p(y|x) − p(y|x without the top-j tokens), for j = 1…k. */
  readonly comprehensiveness: number[];
  /** p(y|x) − p(y|only the top-j tokens), for j = 1…k. */
  readonly sufficiency: number[];
}

/** One case as evaluated. */
export interface CaseRecord extends EvaluationCase {
  /** Prompt tokens as the vocabulary spells them (`Ġcapital`). */
  readonly tokens: string[];
  /** The scored token y: the first token of the target. */
  readonly targetToken: string;
  /** Token positions of the decisive word. */
  readonly decisivePositions: number[];
  /** p(y|x) on the whole prompt. */
  readonly probability: number;
  readonly methods: Record<string, CaseMethodRecord>;
}

/** Result of {@link evaluateFaithfulness}: the summary the renderers draw, and every case. */
export interface FaithfulnessEvaluation extends FaithfulnessSummary {
  readonly seed: number;
  /** Options each method ran with (as given; defaults filled by the method). */
  readonly attributionArgs: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  /** Methods left out of the default set, with the reason. */
  readonly skipped: { readonly method: string; readonly reason: string }[];
  readonly caseRecords: CaseRecord[];
  /** With `timings`: mean seconds per case of each method's attribution, and of the erasure forward passes. */
  readonly timings?: Readonly<Record<string, number>>;
}

/** The methods to run and those skipped, failing early for an explicitly asked method that cannot run. */
function chooseMethods(
  model: AttributionModel,
  registry: Registry<AttributionMethod>,
  asked: readonly string[] | undefined,
  args: Readonly<Record<string, Readonly<Record<string, unknown>>>>,
): { methods: AttributionMethod[]; skipped: { method: string; reason: string }[] } {
  if (asked !== undefined) {
    const ids = [...new Set(asked)].filter((id) => id !== RANDOM_BASELINE);
    const methods = ids.map((id) => registry.get(id));
    for (const method of methods) {
      checkCapabilities(method, model.backend, registry);
      parseMethodOptions(method, args[method.name] ?? {});
    }
    return { methods, skipped: [] };
  }
  const methods: AttributionMethod[] = [];
  const skipped: { method: string; reason: string }[] = [];
  for (const method of registry.values()) {
    if (method.name === 'dummy') continue;
    const missing = method.requires.filter((capability) => model.backend.capabilities[capability] !== true);
    if (missing.length > 0) {
      skipped.push({ method: method.name, reason: `backend '${model.backend.name}' lacks ${missing.join(', ')}` });
      continue;
    }
    try {
      parseMethodOptions(method, args[method.name] ?? {});
      methods.push(method);
    } catch (error) {
      skipped.push({ method: method.name, reason: (error as Error).message });
    }
  }
  return { methods, skipped };
}

/** The method's options, with the evaluation's seed when the method takes one and none was given. */
function optionsWithSeed(method: AttributionMethod, given: Readonly<Record<string, unknown>>, seed: number): Readonly<Record<string, unknown>> {
  return Object.hasOwn(given, 'seed') || !Object.hasOwn(method.options ?? {}, 'seed') ? given : { ...given, seed };
}

/** A case ready to score: its prompt ids, y, the positions that may be ranked and the decisive ones. */
interface PreparedCase {
  readonly ids: number[];
  readonly targetId: number;
  readonly rankable: number[];
  readonly decisive: Set<number>;
}

function prepareCase(model: AttributionModel, testCase: EvaluationCase, index: number): PreparedCase {
  const { tokenizer } = model;
  const ids = tokenizer.encode(testCase.prompt);
  const full = tokenizer.encode(testCase.prompt + testCase.target);
  const where = `Case ${index + 1} (${JSON.stringify(testCase.prompt)} → ${JSON.stringify(testCase.target)})`;
  if (full.length <= ids.length || ids.some((id, p) => full[p] !== id)) {
    throw new InvalidInputError(
      `${where}: the prompt's tokens are not a prefix of the prompt + target's tokens, so the target's first token is not a next token; ` +
        'start the target with the separating space (" Paris") or end the prompt at a token boundary.', { code: 'INVALID_INPUT' },
    );
  }
  const special = new Set([tokenizer.specialTokenIds.bos, tokenizer.specialTokenIds.eos, tokenizer.specialTokenIds.pad].filter((id) => id !== undefined));
  // Special tokens the tokenizer adds (BOS) are never ranked or erased.
  const rankable = ids.map((_, p) => p).filter((p) => !special.has(ids[p]));
  const { start, end } = decisiveRange(testCase);
  const decisive = new Set(positionsOfCharacters(tokenizer, ids, testCase.prompt, start, end).filter((p) => rankable.includes(p)));
  if (decisive.size === 0) throw new InvalidInputError(`${where}: the decisive word ${JSON.stringify(testCase.decisive)} covers no prompt token.`, { code: 'INVALID_INPUT' });
  return { ids, targetId: full[ids.length], rankable, decisive };
}

/** p(targetId | row) for each row, in forward passes of at most `batchSize` rows. */
async function targetProbabilities(model: AttributionModel, rows: readonly number[][], targetId: number, padId: number, batchSize: number): Promise<number[]> {
  const out: number[] = [];
  for (let from = 0; from < rows.length; from += batchSize) {
    const chunk = rows.slice(from, from + batchSize);
    const { inputIds, attentionMask } = padLeft(chunk, padId);
    const { logits } = await model.backend.forward({ inputIds, attentionMask });
    const values = await probability.compute({ logits, targetIds: new Int32Array(chunk.length).fill(targetId), options: { logprob: false } });
    out.push(...values);
  }
  return out;
}

/** Per prompt token, the method's score for the first target step (Inseq's default aggregation of its family). */
async function methodScores(
  model: AttributionModel,
  testCase: EvaluationCase,
  prepared: PreparedCase,
  method: AttributionMethod,
  options: EvaluateFaithfulnessOptions & { registries: NonNullable<EvaluateFaithfulnessOptions['registries']> },
  attributionArgs: Readonly<Record<string, unknown>>,
): Promise<number[]> {
  const n = prepared.ids.length;
  const output = await attribute(model, testCase.prompt, {
    method: method.name,
    methods: options.registries.methods,
    stepFunctions: options.registries.stepFunctions,
    generatedTexts: testCase.prompt + testCase.target,
    attrPosEnd: n + 1,
    attributionArgs,
    onWarning: options.onWarning ?? (() => {}),
  });
  const sequence = output.sequence_attributions[0];
  if (sequence.target[n]?.id !== prepared.targetId || sequence.target_attributions === null) {
    throw new InvalidInputError(`${method.name} returned no attributions for the first target token of ${JSON.stringify(testCase.prompt)}.`, { code: 'INVALID_INPUT' });
  }
  // [length, nSteps] after the default aggregation; column 0 explains y from the prompt.
  const aggregated = defaultAggregate(sequence, defaultAggregationFunction(method.name)).target_attributions!;
  const steps = aggregated.shape[1];
  return Array.from({ length: n }, (_, p) => aggregated.data[p * steps]);
}

function mean(values: readonly number[]): number {
  return values.length === 0 ? Number.NaN : values.reduce((a, b) => a + b, 0) / values.length;
}

function summarize(records: readonly CaseMethodRecord[], k: number): FaithfulnessScores {
  return {
    cases: records.length,
    hitAt1: mean(records.map((r) => (r.hitAt1 ? 1 : 0))),
    hitAtK: mean(records.map((r) => (r.hitAtK ? 1 : 0))),
    comprehensiveness: mean(records.map((r) => r.comprehensiveness[k - 1])),
    sufficiency: mean(records.map((r) => r.sufficiency[k - 1])),
    aopcComprehensiveness: mean(records.map((r) => mean(r.comprehensiveness))),
    aopcSufficiency: mean(records.map((r) => mean(r.sufficiency))),
  };
}

/**
 * Evaluates how faithfully attribution methods point at the input token that decides a
 * prediction, over cases where that token is known by construction ({@link EvaluationCase}). For
 * each case y is the target's first token; each method attributes p(y | prompt) (forced decoding,
 * first target step only), its attributions are reduced to one score per prompt token with
 * Inseq's default aggregation for the method (`vnorm` of gradients, `mean` over layers and heads
 * of attention, none for perturbation scores) and the prompt tokens are ranked by descending
 * score (signed: a negative score ranks low). Then:
 *
 * - **hit@1 / hit@k**: whether the top-ranked token / one of the top k lies in the decisive word;
 * - **comprehensiveness@k** = p(y|x) − p(y|x∖r_k) and **sufficiency@k** = p(y|x) − p(y|r_k),
 *   r_k the top-k tokens, removed by deletion with the order of the rest kept — ERASER (DeYoung et
 *   al. 2020, "ERASER: A Benchmark to Evaluate Rationalized NLP Models", ACL, §4.2) with the
 *   rationale taken as the top-k tokens;
 * - **AOPC** = (1/k) Σ_{j=1..k} comprehensiveness@j, the area over the perturbation curve of
 *   Samek et al. 2017 ("Evaluating the visualization of what a deep neural network has learned",
 *   IEEE TNNLS) with most-relevant-first deletion. This variant averages the k deletion steps
 *   only; Samek et al. and ERASER's bins also average the zero step 0, which scales the value by
 *   k/(k+1). `aopcSufficiency` averages sufficiency@j the same way.
 *
 * A `random` row ranks the tokens in a seeded random order, and `chanceHitAt1` / `chanceHitAtK`
 * give the expected hit rates of such a ranking, so chance level is visible. Special tokens the
 * tokenizer adds (BOS) are neither ranked nor removed; an input left empty is scored as the BOS
 * (else EOS) token alone. Probabilities come from the backend's forward pass, the erased inputs
 * of every method of a case in left-padded batches.
 *
 * @throws InvalidInputError for a case whose target is not a next token, a decisive word that
 *   covers no token, or k < 1; UnknownIdError / MissingCapabilityError for an asked method that
 *   does not exist or cannot run on the backend (before any work).
 */
export async function evaluateFaithfulness(
  model: AttributionModel,
  cases: readonly EvaluationCase[],
  options: EvaluateFaithfulnessOptions = {},
): Promise<FaithfulnessEvaluation> {
  const k = options.k ?? 3;
  const seed = options.seed ?? 42;
  const batchSize = options.batchSize ?? 16;
  if (!Number.isInteger(k) || k < 1) throw new InvalidInputError(`k must be a positive integer, got ${k}.`, { code: 'INVALID_ARGUMENT' });
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new InvalidInputError(`batchSize must be a positive integer, got ${batchSize}.`, { code: 'INVALID_ARGUMENT' });
  if (cases.length === 0) throw new InvalidInputError('No evaluation cases were given.', { code: 'INVALID_INPUT' });
  const registries = options.registries ?? createDefaultRegistries();
  const givenArgs = options.attributionArgs ?? {};
  const { methods, skipped } = chooseMethods(model, registries.methods, options.methods, givenArgs);
  const argsOf = new Map(methods.map((method) => [method.name, optionsWithSeed(method, givenArgs[method.name] ?? {}, seed)]));
  const prepared = cases.map((testCase, i) => prepareCase(model, testCase, i));
  const special = model.tokenizer.specialTokenIds;
  const padId = model.generationConfig?.padTokenId ?? special.pad ?? special.eos ?? model.backend.config.padTokenId ?? model.backend.config.eosTokenId ?? 0;
  const emptyId = special.bos ?? model.backend.config.bosTokenId ?? special.eos ?? model.backend.config.eosTokenId;
  const seconds: Record<string, number> = {};
  const clock = () => (typeof performance === 'undefined' ? Date.now() : performance.now()) / 1000;

  const caseRecords: CaseRecord[] = [];
  const total = cases.length * methods.length;
  let done = 0;
  for (const [index, testCase] of cases.entries()) {
    const current = prepared[index];
    const rankings = new Map<string, { ranking: number[]; scores?: number[] }>();
    for (const method of methods) {
      const started = clock();
      const scores = await methodScores(model, testCase, current, method, { ...options, registries }, argsOf.get(method.name)!);
      seconds[method.name] = (seconds[method.name] ?? 0) + clock() - started;
      rankings.set(method.name, { ranking: rankPositions(scores, current.rankable), scores });
      options.onProgress?.({ done: ++done, total, method: method.name, caseIndex: index });
    }
    // The baseline's generator is seeded per case, so a case's random ranking does not depend on the cases before it.
    rankings.set(RANDOM_BASELINE, { ranking: randomRanking(current.rankable, seededUniform(seed * 1_000_003 + index)) });

    const started = clock();
    const rows: number[][] = [current.ids];
    for (const { ranking } of rankings.values()) {
      for (let j = 1; j <= k; j++) {
        const { without, only } = erasureInputs(current.ids, ranking, j, emptyId);
        rows.push(without, only);
      }
    }
    const probabilities = await targetProbabilities(model, rows, current.targetId, padId, batchSize);
    seconds.erasure = (seconds.erasure ?? 0) + clock() - started;
    const full = probabilities[0];
    const records: Record<string, CaseMethodRecord> = {};
    let row = 1;
    for (const [name, { ranking, scores }] of rankings) {
      const comprehensiveness: number[] = [];
      const sufficiency: number[] = [];
      for (let j = 1; j <= k; j++) {
        comprehensiveness.push(full - probabilities[row++]);
        sufficiency.push(full - probabilities[row++]);
      }
      records[name] = {
        ranking,
        ...(scores !== undefined && { scores }),
        hitAt1: hitAt(ranking, current.decisive, 1),
        hitAtK: hitAt(ranking, current.decisive, k),
        comprehensiveness,
        sufficiency,
      };
    }
    caseRecords.push({
      ...testCase,
      tokens: current.ids.map((id) => model.tokenizer.idToToken(id)),
      targetToken: model.tokenizer.idToToken(current.targetId),
      decisivePositions: [...current.decisive],
      probability: full,
      methods: records,
    });
  }

  const phenomena = [...new Set(cases.map((c) => c.phenomenon))];
  const rows: MethodFaithfulness[] = [...methods.map((m) => m.name), RANDOM_BASELINE].map((method) => ({
    method,
    overall: summarize(caseRecords.map((c) => c.methods[method]), k),
    byPhenomenon: Object.fromEntries(
      phenomena.map((name) => [name, summarize(caseRecords.filter((c) => c.phenomenon === name).map((c) => c.methods[method]), k)]),
    ),
  }));
  return {
    model: model.name,
    k,
    cases: cases.length,
    phenomena,
    chanceHitAt1: mean(prepared.map((c) => chanceHit(c.rankable.length, c.decisive.size, 1))),
    chanceHitAtK: mean(prepared.map((c) => chanceHit(c.rankable.length, c.decisive.size, k))),
    methods: rows,
    seed,
    attributionArgs: Object.fromEntries(argsOf),
    skipped,
    caseRecords,
    ...(options.timings === true && {
      timings: Object.fromEntries(Object.entries(seconds).map(([name, total]) => [name, total / cases.length])),
    }),
  };
}
