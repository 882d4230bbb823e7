import { type OutputFileContent, type OutputTarget, type WriteOutputFilesOptions, checkOutputPaths, writeOutputFiles } from 'inseq';
import type { CliIo } from './cli-io';
import { writeMessage } from './terminal-text';

/** One output flag's files and how to report them once written. */
export interface CliOutput {
  /** The flag, e.g. `--save-path`, as labels in messages. */
  readonly flag: string;
  /** Its files: one, or one per sequence (`--split-sequences`). */
  readonly files: readonly Omit<OutputFileContent, 'label'>[];
  /** Said for regular files: `Saved attributions to` + the paths. */
  readonly saved: string;
  /** Said for standard output and devices: `Wrote attributions to` + `standard output` or the device. */
  readonly wrote: string;
}

/**
 * Checks every output path of a command before any work (the model is not loaded yet): each is
 * non-empty, writable as a file, device, FIFO or `-`, in an existing folder, and distinct from the
 * others after symlinks. Returns what each is.
 */
export function checkCliOutputs(paths: readonly { flag: string; path: string }[]): Promise<OutputTarget[]> {
  return checkOutputPaths(paths.map(({ flag, path }) => ({ path, label: flag })));
}

/**
 * Writes every output together (all complete, or none replaced) and reports each on stderr:
 * "Saved … to" only for regular files, "Wrote … to standard output" / "… to /dev/null" otherwise.
 */
export async function commitCliOutputs(io: CliIo, outputs: readonly CliOutput[]): Promise<void> {
  const files = outputs.flatMap((output) => output.files.map((file) => ({ ...file, label: output.flag })));
  if (files.length === 0) return;
  // The process's stdout takes bytes; an injected writer (tests, embedding) takes text.
  const isStream = typeof (io.stdout as { once?: unknown }).once === 'function';
  const stdout = isStream
    ? (io.stdout as NonNullable<WriteOutputFilesOptions['stdout']>)
    : { write: (data: string | Uint8Array) => io.stdout.write(typeof data === 'string' ? data : new TextDecoder().decode(data)) };
  const targets = await writeOutputFiles(files, { stdout });
  let next = 0;
  for (const output of outputs) {
    const own = targets.slice(next, next + output.files.length);
    next += output.files.length;
    const regular = own.filter((target) => target.kind === 'file').map((target) => target.path);
    if (regular.length > 0) writeMessage(io.stderr, '', `${output.saved} ${regular.join(', ')}`);
    for (const target of own) {
      if (target.kind === 'stdout') writeMessage(io.stderr, '', `${output.wrote} standard output`);
      if (target.kind === 'device') writeMessage(io.stderr, '', `${output.wrote} ${target.path}`);
    }
  }
}

/** Whether an output goes to standard output (`-`, `/dev/stdout`), where the table would mix with it. */
export function writesStdout(targets: readonly OutputTarget[]): boolean {
  return targets.some((target) => target.kind === 'stdout');
}
