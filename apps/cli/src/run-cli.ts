import { Command, CommanderError } from 'commander';
import { InseqError } from 'inseq';
import { type CliIo, processIo } from './cli-io';
import { addAttributeCommand } from './commands/attribute-command';
import { addAttributeDatasetCommand } from './commands/attribute-dataset-command';
import { addAttributeContextCommand } from './commands/attribute-context-command';
import { addEvaluateCommand } from './commands/evaluate-command';
import { addExplainCommand } from './commands/explain-command';
import { addListCommands } from './commands/list-commands';
import { addWorkerCommand } from './commands/worker-command';
import { addShowCommand } from './commands/show-command';
import { escapeControlCharacters, writeMessage } from './terminal-text';
import { cliVersion } from './version';

/** Builds the `inseq` program, writing to `io`. */
export function createProgram(io: CliIo = processIo): Command {
  const program = new Command('inseq')
    .description('Post-hoc interpretability for language models, in TypeScript.')
    .version(cliVersion(), '-V, --version', "print the CLI's version")
    .showHelpAfterError()
    .showSuggestionAfterError()
    .exitOverride()
    .configureOutput({ writeOut: (text) => io.stdout.write(text), writeErr: (text) => io.stderr.write(escapeControlCharacters(text)) });
  addAttributeCommand(program, io);
  addAttributeDatasetCommand(program, io);
  addShowCommand(program, io);
  addAttributeContextCommand(program, io);
  addEvaluateCommand(program, io);
  addListCommands(program, io);
  addExplainCommand(program, io);
  addWorkerCommand(program, io);
  for (const command of program.commands) command.exitOverride();
  return program;
}

/**
 * Runs the CLI on `argv` (without `node` and the script) and returns the exit code: 0 on success,
 * 1 for an error inseq-ts explains, 2 for a usage error, 70 for an unexpected failure. Every
 * message line it prints has its control characters escaped (`\x1b`), so bytes quoted from files
 * cannot drive the terminal.
 */
export async function runCli(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  try {
    await createProgram(io).parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    if (InseqError.isInstance(error)) {
      writeMessage(io.stderr, 'error: ', error.message);
      return 1;
    }
    writeMessage(io.stderr, 'unexpected error: ', (error as Error)?.stack ?? String(error));
    return 70;
  }
}
