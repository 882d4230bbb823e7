import { type Command, InvalidArgumentError } from 'commander';
import { type AggregateAttributionScoresOptions, type AggregationStep, type DefaultRegistries, parseAggregationPipeline } from 'inseq';

/** The aggregation flags shared by `inseq attribute` and `inseq show`, as commander parses them. */
export interface AggregationFlags {
  attributionAggregators?: AggregationStep[];
  attributionSelectors?: number[];
  normalizeAttributions?: boolean;
  rescaleAttributions?: boolean;
  aggregateOutput?: boolean;
}

/** `--attribution-aggregators`: ids (`subwords vnorm`, `subwords,vnorm`) or one JSON list of steps. */
function collectAggregators(value: string, previous: AggregationStep[] | undefined): AggregationStep[] {
  return [...(previous ?? []), ...parseAggregationPipeline(value)];
}

/** `--attribution-selectors`: integers, negative ones counting from the end. */
function collectSelectors(value: string, previous: number[] | undefined): number[] {
  const parsed = Number(value);
  if (!/^-?\d+$/.test(value.trim()) || !Number.isSafeInteger(parsed)) throw new InvalidArgumentError(`must be integers, got '${value}'.`);
  return [...(previous ?? []), parsed];
}

/** Adds `--attribution-aggregators`, `--attribution-selectors`, `--normalize-attributions`, `--rescale-attributions`, `--aggregate-output`; `what` says what they aggregate. */
export function addAggregationFlags(command: Command, what: string): Command {
  return command
    .option(
      '--attribution-aggregators <ids...>',
      `aggregators or aggregation functions applied in order to ${what} (e.g. subwords vnorm, or a JSON list; see list-aggregators)`,
      collectAggregators,
    )
    .option('--attribution-selectors <indices...>', 'select_idx (last axis) paired with each aggregator', collectSelectors)
    .option('--normalize-attributions', `L1-normalise each step after aggregating ${what}`)
    .option('--rescale-attributions', `divide each step by its largest magnitude after aggregating ${what}`)
    .option('--aggregate-output', `aggregate ${what} with the method's default aggregation`);
}

/** The options of `aggregateAttributionScores` that the flags give. */
export function aggregationOptions(flags: AggregationFlags, registries: DefaultRegistries): AggregateAttributionScoresOptions {
  return {
    attributionAggregators: flags.attributionAggregators,
    attributionSelectors: flags.attributionSelectors,
    normalize: flags.normalizeAttributions,
    rescale: flags.rescaleAttributions,
    aggregateOutput: flags.aggregateOutput,
    methods: registries.methods,
    registries: { aggregators: registries.aggregators },
  };
}

/** Whether any aggregation flag was given. */
export function hasAggregationFlags(flags: AggregationFlags): boolean {
  return (
    flags.attributionAggregators !== undefined ||
    flags.attributionSelectors !== undefined ||
    flags.normalizeAttributions !== undefined ||
    flags.rescaleAttributions !== undefined ||
    flags.aggregateOutput !== undefined
  );
}
