import type { Command } from 'commander';
import { createDefaultRegistries } from 'inseq';
import type { CliIo } from '../cli-io';

function table(rows: readonly (readonly [string, string])[]): string {
  const width = Math.max(...rows.map(([id]) => id.length));
  return rows.map(([id, description]) => `${id.padEnd(width)}  ${description}`).join('\n');
}

/** `inseq list-methods` and `inseq list-step-functions`, read from the registries. */
export function addListCommands(program: Command, io: CliIo): void {
  program
    .command('list-methods')
    .description('List the available attribution methods.')
    .action(() => {
      const { methods } = createDefaultRegistries();
      io.stdout.write(`${table(methods.values().map((m) => [m.name, `[${m.family}] ${m.description}`]))}\n`);
    });
  program
    .command('list-step-functions')
    .description('List the available step functions (for --step-scores and --attributed-fn).')
    .action(() => {
      const { stepFunctions } = createDefaultRegistries();
      io.stdout.write(`${table(stepFunctions.values().map((f) => [f.name, f.description]))}\n`);
    });
}
