import type { Command } from 'commander';
import { createAggregationFunctionRegistry, createDefaultRegistries } from 'inseq';
import type { CliIo } from '../cli-io';
import { loadPlugins } from '../load-plugins';

function table(rows: readonly (readonly [string, string])[]): string {
  const width = Math.max(...rows.map(([id]) => id.length));
  return rows.map(([id, description]) => `${id.padEnd(width)}  ${description}`).join('\n');
}

/** `inseq list-methods`, `list-step-functions`, `list-aggregators` and `list-aggregation-functions`, read from the registries. */
export function addListCommands(program: Command, io: CliIo): void {
  program
    .command('list-methods')
    .description('List the available attribution methods.')
    .option('--plugin <modules...>', 'plugin modules adding methods')
    .action(async (flags: { plugin?: string[] }) => {
      const registries = createDefaultRegistries();
      await loadPlugins(flags.plugin ?? [], registries);
      const { methods } = registries;
      io.stdout.write(`${table(methods.values().map((m) => [m.name, `[${m.family}] ${m.description}`]))}\n`);
    });
  program
    .command('list-step-functions')
    .description('List the available step functions (for --step-scores and --attributed-fn).')
    .option('--plugin <modules...>', 'plugin modules adding step functions')
    .action(async (flags: { plugin?: string[] }) => {
      const registries = createDefaultRegistries();
      await loadPlugins(flags.plugin ?? [], registries);
      const { stepFunctions } = registries;
      io.stdout.write(`${table(stepFunctions.values().map((f) => [f.name, f.description]))}\n`);
    });
  program
    .command('list-aggregators')
    .description('List the available aggregators (for --attribution-aggregators; see explain ID for their options).')
    .option('--plugin <modules...>', 'plugin modules adding aggregators')
    .action(async (flags: { plugin?: string[] }) => {
      const registries = createDefaultRegistries();
      await loadPlugins(flags.plugin ?? [], registries);
      io.stdout.write(`${table(registries.aggregators.values().map((a) => [a.name, a.description]))}\n`);
    });
  program
    .command('list-aggregation-functions')
    .description('List the aggregation functions (vnorm, mean, …): steps of --attribution-aggregators, and the reductions aggregators apply.')
    .action(() => {
      io.stdout.write(`${table(createAggregationFunctionRegistry().values().map((f) => [f.name, f.description]))}\n`);
    });
}
