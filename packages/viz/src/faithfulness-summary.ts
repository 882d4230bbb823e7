/**
 * What the evaluation renderers draw: scores of attribution methods against a known decisive
 * token, as `evaluateFaithfulness` of the `inseq` package computes them (its result extends this).
 * Kept here, structurally, so that `@inseq/viz` renders it without depending on `inseq`.
 */

/** Mean scores of one method over a set of cases. */
export interface FaithfulnessScores {
  /** Cases averaged. */
  readonly cases: number;
  /** Share of cases whose top-ranked prompt token lies in the decisive word. */
  readonly hitAt1: number;
  /** Share of cases with a top-k token in the decisive word. */
  readonly hitAtK: number;
  /** ERASER comprehensiveness at k: p(y|x) − p(y|x without the top-k tokens); higher is more faithful. */
  readonly comprehensiveness: number;
  /** ERASER sufficiency at k: p(y|x) − p(y|only the top-k tokens); lower is more faithful. */
  readonly sufficiency: number;
  /** Comprehensiveness averaged over k = 1…K (AOPC of the deletion curve). */
  readonly aopcComprehensiveness: number;
  /** Sufficiency averaged over k = 1…K. */
  readonly aopcSufficiency: number;
}

/** One row of the evaluation: a method (or the `random` baseline), overall and per phenomenon. */
export interface MethodFaithfulness {
  readonly method: string;
  readonly overall: FaithfulnessScores;
  readonly byPhenomenon: Readonly<Record<string, FaithfulnessScores>>;
}

/** The summary the renderers take. */
export interface FaithfulnessSummary {
  /** Model name or folder, shown in titles. */
  readonly model: string;
  /** The k of hit@k and of comprehensiveness / sufficiency; AOPC averages k = 1…k. */
  readonly k: number;
  /** Number of cases. */
  readonly cases: number;
  /** Phenomena in order of first appearance. */
  readonly phenomena: readonly string[];
  /** Expected hit@1 of a uniformly random ranking: mean over cases of (decisive tokens / rankable tokens). */
  readonly chanceHitAt1: number;
  /** Expected hit@k of a uniformly random ranking: mean over cases of 1 − C(n−s, k) / C(n, k). */
  readonly chanceHitAtK: number;
  /** Rows in order, the `random` baseline included. */
  readonly methods: readonly MethodFaithfulness[];
}

/** The columns every renderer shows, in order: key, header (k filled in) and which direction is better. */
export const FAITHFULNESS_METRICS: readonly {
  readonly key: Exclude<keyof FaithfulnessScores, 'cases'>;
  readonly header: (k: number) => string;
  readonly better: 'higher' | 'lower';
}[] = [
  { key: 'hitAt1', header: () => 'hit@1', better: 'higher' },
  { key: 'hitAtK', header: (k) => `hit@${k}`, better: 'higher' },
  { key: 'comprehensiveness', header: (k) => `comp@${k}`, better: 'higher' },
  { key: 'sufficiency', header: (k) => `suff@${k}`, better: 'lower' },
  { key: 'aopcComprehensiveness', header: () => 'AOPC comp', better: 'higher' },
  { key: 'aopcSufficiency', header: () => 'AOPC suff', better: 'lower' },
];

/** A score with `decimals` decimals (`-0.125`, `1.000`), `–` for NaN (no case). */
export function formatFaithfulness(value: number, decimals = 3): string {
  return Number.isFinite(value) ? value.toFixed(decimals) : '–';
}

/**
 * Decimals that show a column of scores: 3, or enough for two significant digits of its largest
 * magnitude when that is below 0.01 (probability drops of an untrained model are tiny), at most 8.
 */
export function faithfulnessDecimals(values: readonly number[]): number {
  const largest = Math.max(0, ...values.filter(Number.isFinite).map(Math.abs));
  return largest > 0 && largest < 0.01 ? Math.min(8, Math.ceil(-Math.log10(largest)) + 1) : 3;
}

/** Each metric's column of `summary` formatted with its own {@link faithfulnessDecimals}, rows in method order. */
export function formatFaithfulnessColumns(rows: readonly FaithfulnessScores[]): string[][] {
  const columns = FAITHFULNESS_METRICS.map((metric) => {
    const values = rows.map((row) => row[metric.key]);
    const decimals = faithfulnessDecimals(values);
    return values.map((value) => formatFaithfulness(value, decimals));
  });
  return rows.map((_, r) => columns.map((column) => column[r]));
}

/** One line naming the cases, k and chance level, shared by every renderer. */
export function faithfulnessCaption(summary: FaithfulnessSummary): string {
  return (
    `${summary.cases} cases (${summary.phenomena.join(', ') || 'none'}) · k = ${summary.k} · ` +
    `chance hit@1 ${formatFaithfulness(summary.chanceHitAt1)}, hit@${summary.k} ${formatFaithfulness(summary.chanceHitAtK)}`
  );
}
