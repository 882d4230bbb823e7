import {
  type AggregatePipelineOptions,
  type AggregationStep,
  aggregateOutput,
  defaultPipeline,
  resolveAggregationPipeline,
} from '@inseq/aggregators';
import { type AttributionMethod, type FeatureAttributionOutput, InvalidInputError, type Registry } from '@inseq/core';

/** Options of {@link aggregateAttributionScores}, named after Inseq's CLI flags. */
export interface AggregateAttributionScoresOptions {
  /** `--attribution-aggregators`: aggregator or aggregation function ids (or `{ id, options }`), applied in order. */
  readonly attributionAggregators?: readonly AggregationStep[];
  /** `--attribution-selectors`: with `attributionAggregators`, step i reduces only index `selectors[i]` of the trailing axis (`select_idx`). */
  readonly attributionSelectors?: readonly number[];
  /**
   * `--normalize-attributions`: L1-normalise each step column after a `scores` step.
   * @defaultValue false with `attributionAggregators`; true for the default pipeline (unless `rescale`)
   */
  readonly normalize?: boolean;
  /** `--rescale-attributions`: divide each step column by its largest magnitude after a `scores` step. @defaultValue false */
  readonly rescale?: boolean;
  /** `--aggregate-output`: without `aggregators`, apply the method's default pipeline (Inseq's default aggregation). @defaultValue false */
  readonly aggregateOutput?: boolean;
  /** Where `info.attribution_method` is looked up for the default pipeline. */
  readonly methods?: Registry<AttributionMethod>;
  /** Aggregator and aggregation function registries (plugins). @defaultValue the built-in ones */
  readonly registries?: AggregatePipelineOptions;
}

/**
 * The aggregation Inseq's CLI applies before saving (`aggregate_attribution_scores`): with
 * `selectors`, each aggregator is applied with its selector as `select_idx`, pairwise (zip, the
 * shorter list wins); otherwise the aggregators run as one pipeline. A function id (`vnorm`,
 * `mean`, …) or `scores` step takes `normalize` / `rescale` / `select_idx`; other aggregators
 * (`subwords`, `spans`, …) run with their own defaults. Unlike Inseq's CLI, where
 * `--aggregate-output` only changes a message, `aggregateOutput` applies the method's default
 * pipeline ({@link defaultPipeline}). Returns `output` itself when nothing is asked.
 *
 * @throws InvalidInputError for `normalize` with `rescale`, or selectors without aggregators;
 *   UnknownIdError for an unknown id (before any work).
 */
export function aggregateAttributionScores(output: FeatureAttributionOutput, options: AggregateAttributionScoresOptions): FeatureAttributionOutput {
  const { attributionAggregators: aggregators, attributionSelectors: selectors, rescale = false } = options;
  // Inseq's CLI passes normalize=False to explicit aggregators; its default aggregation normalises.
  const normalize = options.normalize ?? (aggregators === undefined && !rescale);
  const registries = options.registries ?? {};
  if (normalize && rescale) {
    throw new InvalidInputError('--normalize-attributions and --rescale-attributions exclude each other; pick one.', { code: 'INVALID_ARGUMENT' });
  }
  if (selectors !== undefined && aggregators === undefined) {
    throw new InvalidInputError('--attribution-selectors needs --attribution-aggregators: selector i goes with aggregator i.', { code: 'INVALID_ARGUMENT' });
  }
  const scoresOptions = (selectIdx?: number) => ({ normalize, rescale, ...(selectIdx !== undefined && { select_idx: selectIdx }) });
  /** A step with the CLI's scores options, when it is `scores` or a function id. */
  const withOptions = (step: AggregationStep, selectIdx?: number): AggregationStep => {
    const [resolved] = resolveAggregationPipeline([step], registries);
    if (resolved.aggregator.name !== 'scores') return step;
    const id = typeof step === 'string' ? step : step.id;
    const given = typeof step === 'string' ? {} : (step.options ?? {});
    return { id, options: { ...scoresOptions(selectIdx), ...given } };
  };
  if (aggregators !== undefined) {
    if (selectors !== undefined) {
      const pairs = Math.min(selectors.length, aggregators.length);
      let current = output;
      for (let i = 0; i < pairs; i++) current = aggregateOutput(current, [withOptions(aggregators[i], selectors[i])], registries);
      return current;
    }
    return aggregateOutput(output, aggregators.map((step) => withOptions(step)), registries);
  }
  if (!options.aggregateOutput) return output;
  const id = String(output.info.attribution_method ?? '');
  const family = options.methods?.has(id) ? options.methods.get(id).family : undefined;
  if (family === undefined) {
    throw new InvalidInputError(
      `--aggregate-output needs the method's family to pick Inseq's default aggregation, but method ${JSON.stringify(id)} is not registered; pass --attribution-aggregators instead.`, { code: 'INVALID_ARGUMENT' },
    );
  }
  return aggregateOutput(output, defaultPipeline(family, id).map((step) => withOptions(step)), registries);
}
