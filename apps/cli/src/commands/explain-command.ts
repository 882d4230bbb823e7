import type { Command } from 'commander';
import { closestName, createAggregationFunctionRegistry, createDefaultRegistries, describeOptions, InvalidInputError, type OptionDescription, type OptionSpecs } from 'inseq';
import type { CliIo } from '../cli-io';
import { loadPlugins } from '../load-plugins';

/** One plugin as `inseq explain` shows it. */
interface Explained {
  readonly kind: string;
  readonly name: string;
  readonly description: string;
  readonly details: readonly string[];
  readonly options?: OptionSpecs;
  /** How a user passes its options on the command line. */
  readonly passing: string;
}

function formatDefault(option: OptionDescription): string {
  if (option.required) return '(required)';
  return option.default === undefined ? '—' : JSON.stringify(option.default);
}

/** The options as an aligned table: option, type, default, allowed values, description. */
export function optionsTable(options: readonly OptionDescription[]): string {
  const rows = [['option', 'type', 'default', 'allowed', 'description'], ...options.map((o) => [o.name, o.type, formatDefault(o), o.constraint, o.description])];
  const widths = rows[0].slice(0, -1).map((_, c) => Math.max(...rows.map((row) => row[c].length)));
  return rows.map((row) => row.map((cell, c) => (c < widths.length ? cell.padEnd(widths[c]) : cell)).join('  ').trimEnd()).join('\n');
}

function render(entry: Explained): string {
  const options = describeOptions(entry.options);
  const lines = [`${entry.name} · ${entry.kind}`, entry.description, ...entry.details, ''];
  if (options.length === 0) lines.push('Options: none.');
  else lines.push(`Options (${entry.passing}):`, optionsTable(options));
  return `${lines.join('\n')}\n`;
}

/** `inseq explain ID`: what a method, step function or aggregator does and its options, read from its spec. */
export function addExplainCommand(program: Command, io: CliIo): void {
  program
    .command('explain')
    .description('Explain an attribution method, step function, aggregator or aggregation function and list its options.')
    .argument('<id>', 'a method, step function, aggregator or aggregation function id (see list-methods, list-step-functions, list-aggregators, list-aggregation-functions)')
    .option('--plugin <modules...>', 'plugin modules adding methods, step functions or aggregators')
    .action(async (id: string, flags: { plugin?: string[] }) => {
      const registries = createDefaultRegistries();
      await loadPlugins(flags.plugin ?? [], registries);
      const { methods, stepFunctions, aggregators } = registries;
      const functions = createAggregationFunctionRegistry();
      const found: Explained[] = [];
      if (methods.has(id)) {
        const method = methods.get(id);
        found.push({
          kind: `attribution method (${method.family})`,
          name: method.name,
          description: method.description,
          details: [
            `Needs from the backend: ${method.requires.length ? method.requires.join(', ') : 'a forward pass'}.`,
            ...(method.paper !== undefined ? [`Paper: ${method.paper}`] : []),
          ],
          options: method.options,
          passing: `--attribution-kwargs '{"${Object.keys(method.options ?? {})[0] ?? 'key'}": …}'`,
        });
      }
      if (stepFunctions.has(id)) {
        const fn = stepFunctions.get(id);
        found.push({
          kind: 'step function',
          name: fn.name,
          description: fn.description,
          details: [fn.differentiable ? 'Differentiable: usable as --attributed-fn of gradient methods.' : 'Not differentiable: a step score, or the attributed function of perturbation methods.'],
          options: fn.options,
          passing: '--step-scores-args, or --attributed-fn-args when it is the attributed function',
        });
      }
      if (aggregators.has(id)) {
        const aggregator = aggregators.get(id);
        found.push({
          kind: 'aggregator',
          name: aggregator.name,
          description: aggregator.description,
          details: [],
          options: aggregator.options,
          passing: `a JSON step of --attribution-aggregators, e.g. '[{"id": "${aggregator.name}", "options": {…}}]'`,
        });
      }
      if (functions.has(id)) {
        const fn = functions.get(id);
        const key = Object.keys(fn.options ?? {})[0];
        found.push({
          kind: 'aggregation function',
          name: fn.name,
          description: fn.description,
          details: ['Reduces a run of scores to one: a step of --attribution-aggregators (over the trailing axes), or the function an aggregator applies to merged tokens.'],
          options: fn.options,
          // Aggregators (and a function's own step, which runs as the scores aggregator) take it prefixed by the function's name.
          passing: key
            ? `as ${fn.name}_${key} of an aggregator, e.g. --attribution-aggregators '[{"id": "${fn.name}", "options": {"${fn.name}_${key}": …}}]'`
            : 'none',
        });
      }
      if (found.length === 0) {
        const known = [...methods.list(), ...stepFunctions.list(), ...aggregators.list(), ...functions.list()];
        const guess = closestName(id, known);
        throw new InvalidInputError(
          `Nothing is called '${id}'.${guess ? ` Did you mean '${guess}'?` : ''} Methods: ${methods.list().join(', ')}. ` +
            `Step functions: ${stepFunctions.list().join(', ')}. Aggregators: ${aggregators.list().join(', ')}. ` +
            `Aggregation functions: ${functions.list().join(', ')}.`,
          { code: 'INVALID_ARGUMENT' },
        );
      }
      io.stdout.write(found.map(render).join('\n'));
    });
}
