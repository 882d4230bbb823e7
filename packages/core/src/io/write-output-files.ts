import { InvalidInputError } from '../errors/invalid-input-error';
// Node built-ins only through #core-platform (see platform/core-platform.ts), so browser bundles have none.
import { corePlatform } from '#core-platform';

/**
 * How an output path is written: `file` (a regular file, new or existing, through a temporary
 * sibling and a rename), `stdout` (`-`, `/dev/stdout`: the process's standard output stream) or
 * `device` (a character device such as `/dev/null` or a terminal, a FIFO, or `/dev/stderr`: written
 * directly, never replaced).
 */
export type OutputTargetKind = 'file' | 'stdout' | 'device';

/** One output path as given, with what writing it means. */
export interface OutputTarget {
  /** The path as given (`-` for stdout). */
  readonly path: string;
  /** What names the path in messages, e.g. the CLI flag `--save-path`; else `'output path'`. */
  readonly label: string;
  readonly kind: OutputTargetKind;
  /**
   * Where the bytes go: for `file`, the final target after every symlink (a dangling link is
   * written through to the file it names), whose folder gets the temporary file; for `device`,
   * the path as given; `-` for stdout.
   */
  readonly writePath: string;
}

/** An output path to check, optionally with the name it has for the user (a CLI flag). */
export interface OutputPathRequest {
  readonly path: string;
  readonly label?: string;
}

/** One file's contents for {@link writeOutputFiles}. */
export interface OutputFileContent extends OutputPathRequest {
  readonly data: string | Uint8Array;
}

/** Options of {@link writeOutputFiles}. */
export interface WriteOutputFilesOptions {
  /** Where `-` writes. @defaultValue `process.stdout` */
  readonly stdout?: { write(data: string | Uint8Array, callback?: (error?: Error | null) => void): unknown };
}

type Fs = typeof import('node:fs/promises');
type PathModule = typeof import('node:path');

/** `/dev/stdout`, `/dev/stderr`, `/dev/fd/1|2`, `/proc/self/fd/1|2`. */
const STANDARD_STREAM = /^\/dev\/(?:(stdout|stderr)|fd\/([12]))$|^\/proc\/self\/fd\/([12])$/;

/** Symlinks followed before a path is called a loop (Linux's own limit). */
const MAX_LINKS = 40;

function refuse(target: { path: string; label?: string }, problem: string, cause?: unknown): never {
  const label = target.label ?? 'output path';
  throw new InvalidInputError(`Cannot write ${label} ${JSON.stringify(target.path)}: ${problem}`, { code: 'INVALID_ARGUMENT', cause });
}

function errnoCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

/**
 * The path a dangling symlink chain ends at (a file that does not exist yet), following relative
 * links from the folder of the link that holds them.
 */
async function followDanglingLink(fs: Fs, path: PathModule, request: OutputPathRequest): Promise<string> {
  let current = path.resolve(request.path);
  for (let hops = 0; hops < MAX_LINKS; hops++) {
    let isLink: boolean;
    try {
      isLink = (await fs.lstat(current)).isSymbolicLink();
    } catch (error) {
      if (errnoCode(error) === 'ENOENT' || errnoCode(error) === 'ENOTDIR') return current;
      refuse(request, `${(error as Error).message}.`, error);
    }
    if (!isLink) return current;
    current = path.resolve(path.dirname(current), await fs.readlink(current));
  }
  refuse(request, `more than ${MAX_LINKS} symbolic links (a loop?).`);
}

/** Checks the folder a new file goes into: it must exist and be a folder. */
async function checkFolder(fs: Fs, request: OutputPathRequest, folder: string): Promise<string> {
  let real: string;
  try {
    real = await fs.realpath(folder);
  } catch (error) {
    if (errnoCode(error) === 'ENOTDIR') refuse(request, `${JSON.stringify(folder)} is not a folder (a file is in the way).`, error);
    if (errnoCode(error) === 'ENOENT') refuse(request, `the folder ${JSON.stringify(folder)} does not exist; create it first.`, error);
    refuse(request, `${(error as Error).message}.`, error);
  }
  if (!(await fs.stat(real)).isDirectory()) refuse(request, `${JSON.stringify(folder)} is not a folder (a file is in the way).`);
  return real;
}

/** Resolves one output path: what it is and where its bytes go. */
async function resolveTarget(fs: Fs, path: PathModule, request: OutputPathRequest): Promise<OutputTarget & { key: string }> {
  const label = request.label ?? 'output path';
  if (typeof request.path !== 'string' || request.path.trim() === '') {
    refuse({ path: String(request.path ?? ''), label }, "the path is empty; give a file path (or '-' for standard output).");
  }
  if (request.path === '-') return { path: '-', label, kind: 'stdout', writePath: '-', key: 'stdout' };
  // The process's own streams: written through the stream, never opened — opening /proc/self/fd/1
  // fails when it is a socket, and renaming over what it names would cut the shell's redirection.
  const own = STANDARD_STREAM.exec(request.path);
  if (own) {
    const stream = own[1] ?? (own[2] === '1' || own[3] === '1' ? 'stdout' : 'stderr');
    return stream === 'stdout'
      ? { path: request.path, label, kind: 'stdout', writePath: '-', key: 'stdout' }
      : { path: request.path, label, kind: 'device', writePath: request.path, key: 'stderr' };
  }
  let stats: import('node:fs').Stats | undefined;
  try {
    stats = await fs.stat(request.path);
  } catch (error) {
    const code = errnoCode(error);
    if (code === 'ELOOP') refuse(request, 'its symbolic links form a loop.', error);
    if (code !== 'ENOENT' && code !== 'ENOTDIR') refuse(request, `${(error as Error).message}.`, error);
  }
  if (stats === undefined) {
    // Nothing there yet (or a dangling symlink): a new file in an existing folder.
    const target = await followDanglingLink(fs, path, request);
    const folder = await checkFolder(fs, request, path.dirname(target));
    const writePath = path.join(folder, path.basename(target));
    return { path: request.path, label, kind: 'file', writePath, key: `file:${writePath}` };
  }
  if (stats.isFile()) {
    const writePath = await fs.realpath(request.path);
    return { path: request.path, label, kind: 'file', writePath, key: `file:${writePath}` };
  }
  if (stats.isCharacterDevice() || stats.isFIFO()) {
    return { path: request.path, label, kind: 'device', writePath: request.path, key: `device:${stats.dev}:${stats.ino}` };
  }
  const what = stats.isDirectory() ? 'a folder' : stats.isSocket() ? 'a socket' : stats.isBlockDevice() ? 'a block device' : 'not a regular file';
  refuse(request, `it is ${what}; give a file path, '-' for standard output, or a character device such as /dev/null.`);
}

/**
 * Checks output paths before any work, so that a run fails before it starts rather than after:
 * each path is non-empty; an existing one is a regular file (symlinks followed), a character
 * device or a FIFO, or `-` (standard output) — folders, sockets and block devices are refused; a
 * new one goes into an existing folder; and no two paths name the same file after resolution
 * (`out.json` and `./out.json`, or a symlink and its target).
 *
 * @returns what each path is and where its bytes go, in the given order.
 * @throws InvalidInputError `INVALID_ARGUMENT` naming the path (by its `label`) and what is wrong.
 */
export async function checkOutputPaths(requests: readonly (string | OutputPathRequest)[]): Promise<OutputTarget[]> {
  const [fs, path] = await Promise.all([corePlatform.fs(), corePlatform.path()]);
  const targets: OutputTarget[] = [];
  const seen = new Map<string, OutputTarget>();
  for (const item of requests) {
    const request = typeof item === 'string' ? { path: item } : item;
    const { key, ...target } = await resolveTarget(fs, path, request);
    const earlier = seen.get(key);
    if (earlier) {
      const same = earlier.path === target.path ? '' : ` (${JSON.stringify(earlier.path)} resolves to it)`;
      refuse(target, `${earlier.label} writes the same ${target.kind === 'stdout' ? 'stream' : 'file'}${same}; give each output its own path.`);
    }
    seen.set(key, target);
    targets.push(target);
  }
  return targets;
}

/** Writes to stdout: a Node stream is awaited until it has taken the bytes; a plain writer is called. */
async function writeStream(stream: NonNullable<WriteOutputFilesOptions['stdout']>, data: string | Uint8Array): Promise<void> {
  if (typeof (stream as { once?: unknown }).once !== 'function') {
    stream.write(data);
    return;
  }
  await new Promise<void>((resolve, reject) => {
    stream.write(data, (error) => (error ? reject(error) : resolve()));
  });
}

/**
 * Writes output files together: every regular file first to a temporary file in its final
 * folder, then devices, FIFOs and `-` directly, then every temporary file renamed over its target.
 * A symlink is followed and its target replaced (the link stays); `/dev/null`, terminals and FIFOs
 * are written, never replaced. On any failure the temporary files are removed, existing files are
 * left untouched, and the error names the path; removing temporary files never throws.
 * Paths are checked as {@link checkOutputPaths} does (Node only).
 *
 * @returns what each path was, in the given order (e.g. to say "Saved to X" only for files).
 */
export async function writeOutputFiles(files: readonly OutputFileContent[], options?: WriteOutputFilesOptions): Promise<OutputTarget[]> {
  const [fs, path] = await Promise.all([corePlatform.fs(), corePlatform.path()]);
  const targets = await checkOutputPaths(files);
  const temporaries: (string | undefined)[] = targets.map(() => undefined);
  let current: OutputTarget | undefined;
  try {
    for (const [i, target] of targets.entries()) {
      if (target.kind !== 'file') continue;
      current = target;
      const stamp = `${process.pid}.${Date.now().toString(36)}.${Math.random().toString(36).slice(2, 8)}`;
      const temporary = path.join(path.dirname(target.writePath), `.${path.basename(target.writePath)}.${stamp}.tmp`);
      temporaries[i] = temporary;
      await fs.writeFile(temporary, files[i].data, { flag: 'wx' });
      // Keep an existing file's permissions.
      const mode = await fs.stat(target.writePath).then((stats) => stats.mode & 0o7777, () => undefined);
      if (mode !== undefined) await fs.chmod(temporary, mode);
    }
    for (const [i, target] of targets.entries()) {
      if (target.kind === 'file') continue;
      current = target;
      if (target.kind === 'stdout') await writeStream(options?.stdout ?? process.stdout, files[i].data);
      else if (STANDARD_STREAM.test(target.writePath)) await writeStream(process.stderr, files[i].data);
      else await fs.writeFile(target.writePath, files[i].data);
    }
    for (const [i, target] of targets.entries()) {
      if (target.kind !== 'file') continue;
      current = target;
      await fs.rename(temporaries[i] as string, target.writePath);
      temporaries[i] = undefined;
    }
  } catch (cause) {
    await Promise.all(temporaries.map((temporary) => (temporary === undefined ? undefined : fs.rm(temporary, { force: true }).catch(() => undefined))));
    refuse(current ?? { path: files[0]?.path ?? '' }, `${(cause as Error).message}.`, cause);
  }
  return targets;
}
