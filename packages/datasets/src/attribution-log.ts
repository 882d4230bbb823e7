import { createReadStream, existsSync } from 'node:fs';
import { type FileHandle, open, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { InseqError } from '@inseq/core';

/** What a JSON Lines attribution file was made from; `--resume` refuses a file made from anything else. */
export interface AttributionRunIdentity {
  /** {@link ResolvedDataset.fingerprint}. */
  readonly dataset: string;
  /** Model id or path. */
  readonly model: string;
  /** Attribution method id. */
  readonly method: string;
  /** Anything else that changes the lines (method options, step scores, …), compared as JSON. */
  readonly settings?: Record<string, unknown>;
}

/** An open JSON Lines attribution file: the indexes it already holds, and batch appends that are fsynced. */
export interface AttributionLog {
  readonly path: string;
  /** Indexes already written (from a resumed file). */
  readonly done: ReadonlySet<number>;
  /** Appends whole lines (each without its newline) and fsyncs before resolving. */
  append(lines: readonly string[]): Promise<void>;
  close(): Promise<void>;
}

/** `<file>.meta.json`: the sidecar that records the {@link AttributionRunIdentity} of `<file>`. */
export const metaPath = (path: string) => `${path}.meta.json`;

const META_FORMAT = 'inseq-ts.attribute_dataset';

function refuse(message: string): InseqError {
  return new InseqError(message, { code: 'INVALID_ARGUMENT' });
}

/** Byte offset just past the last newline of the file (0 when none): everything after it is a partial line. */
async function endOfLastLine(handle: FileHandle, size: number): Promise<number> {
  const chunk = Buffer.alloc(64 * 1024);
  for (let end = size; end > 0; ) {
    const start = Math.max(0, end - chunk.length);
    const { bytesRead } = await handle.read(chunk, 0, end - start, start);
    const at = chunk.subarray(0, bytesRead).lastIndexOf(0x0a);
    if (at >= 0) return start + at + 1;
    end = start;
  }
  return 0;
}

async function readDoneIndexes(path: string, length: number): Promise<Set<number>> {
  const done = new Set<number>();
  if (length === 0) return done;
  const lines = createInterface({ input: createReadStream(path, { encoding: 'utf8', start: 0, end: length - 1 }), crlfDelay: Number.POSITIVE_INFINITY });
  let lineNumber = 0;
  for await (const line of lines) {
    lineNumber += 1;
    const match = /^\{"index":(\d+),/.exec(line);
    if (!match) throw refuse(`${path}:${lineNumber}: not a line of inseq attribute-dataset (each starts with {"index":…); give a different -o.`);
    done.add(Number(match[1]));
  }
  return done;
}

/**
 * Opens `path` for an attribution run. Without `resume`, an existing non-empty file is refused
 * (name `--resume` or a different `-o`). With `resume`, the sidecar `<path>.meta.json` must record
 * the same identity; a partial last line (a crash mid-write) is truncated; the indexes of the
 * complete lines are returned in `done`. The sidecar is written (atomically) before any line.
 */
export async function openAttributionLog(path: string, identity: AttributionRunIdentity, options: { resume?: boolean } = {}): Promise<AttributionLog> {
  const size = existsSync(path) ? (await stat(path)).size : 0;
  const meta = { format: META_FORMAT, version: 1, ...identity, settings: identity.settings ?? {} };
  if (size > 0 && !options.resume) {
    throw refuse(`${path} already holds attributions: pass --resume to continue it, or a different -o/--save-path to start afresh.`);
  }
  let done = new Set<number>();
  let handle: FileHandle;
  if (size > 0) {
    let recorded: Record<string, unknown>;
    try {
      recorded = JSON.parse(await readFile(metaPath(path), 'utf8'));
    } catch {
      throw refuse(`Cannot resume ${path}: its ${metaPath(path)} is missing or unreadable, so what made it is unknown. Give a different -o/--save-path.`);
    }
    for (const key of ['format', 'dataset', 'model', 'method', 'settings'] as const) {
      if (JSON.stringify(recorded[key]) !== JSON.stringify(meta[key])) {
        throw refuse(
          `Cannot resume ${path}: it was made with a different ${key === 'dataset' ? 'dataset (fingerprint)' : key} (${JSON.stringify(recorded[key])}, now ${JSON.stringify(meta[key])}). Rerun with the same dataset, model, method and options, or give a different -o/--save-path.`,
        );
      }
    }
    handle = await open(path, 'r+');
    const keep = await endOfLastLine(handle, size);
    if (keep < size) {
      await handle.truncate(keep);
      await handle.sync();
    }
    done = await readDoneIndexes(path, keep);
    await handle.close();
    handle = await open(path, 'a');
  } else {
    const tmp = `${metaPath(path)}.tmp`;
    await writeFile(tmp, `${JSON.stringify(meta, null, 2)}\n`);
    await rename(tmp, metaPath(path));
    handle = await open(path, 'w');
  }
  return {
    path,
    done,
    async append(lines) {
      if (lines.length === 0) return;
      await handle.write(`${lines.join('\n')}\n`);
      await handle.sync();
    },
    async close() {
      await handle.close();
    },
  };
}
