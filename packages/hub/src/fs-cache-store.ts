import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { copyFile, lstat, mkdir, readFile, readdir, rename, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative, sep } from 'node:path';
import { checksumMismatchError } from './checksum-mismatch-error';
import { sizeMismatchError } from './size-mismatch-error';
import type { HubDownloadTarget, HubFileStore } from './hub-file-store';

const exists = async (path: string): Promise<boolean> => (await stat(path).catch(() => undefined))?.isFile() ?? false;

/** Rejects paths that would leave the cache folder once joined (`../x`, absolute), as huggingface_hub does. */
function safeJoin(root: string, path: string): string {
  const parts = path.split('/');
  if (path.startsWith('/') || parts.some((part) => part === '..' || part === '' || part.includes('\\'))) {
    throw new Error(`Refusing the Hub file path ${JSON.stringify(path)}: it would leave the cache folder.`);
  }
  return join(root, ...parts);
}

/** Whether process `pid` is still running on this machine. */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Moves a partial download of `blob` to `mine` for a resume: the shared `<etag>.incomplete`
 * (an interrupted run, or Python's), else the private temp file of a process that has ended
 * (killed mid-download). Renames are atomic, so of two downloads only one adopts a given file.
 */
async function adoptPartial(blob: string, shared: string, mine: string): Promise<void> {
  if (await rename(shared, mine).then(() => true, () => false)) return;
  const prefix = `${basename(blob)}.`;
  for (const name of await readdir(dirname(blob)).catch(() => [] as string[])) {
    const pid = /^(\d+)-[0-9a-f]+\.incomplete$/.exec(name.startsWith(prefix) ? name.slice(prefix.length) : '')?.[1];
    if (pid === undefined || isAlive(Number(pid))) continue;
    if (await rename(join(dirname(blob), name), mine).then(() => true, () => false)) return;
  }
}

/**
 * {@link HubFileStore} over a repository folder of the Hugging Face cache (`models--org--name`), in
 * huggingface_hub's layout so Python and inseq-ts share files both ways: `blobs/<etag>` holds the
 * bytes, `snapshots/<commit>/<path>` is a relative symlink to the blob (a copy where symlinks are
 * refused), `refs/<branch>` holds a commit sha. A download goes to a temp file of its own in
 * `blobs/` (left as `<etag>.incomplete` for a resume when interrupted, as huggingface_hub does), is
 * hashed as it arrives, and is renamed into place only when size and checksum match, so a snapshot
 * never holds a partial or corrupted file, also with several processes downloading at once.
 */
export function fsCacheStore(repoFolder: string): HubFileStore {
  const snapshotPath = (commit: string, path: string) => safeJoin(join(repoFolder, 'snapshots', commit), path);
  const blobPath = (etag: string) => join(repoFolder, 'blobs', etag);

  const link = async (target: HubDownloadTarget): Promise<void> => {
    const pointer = snapshotPath(target.commit, target.path);
    const blob = blobPath(target.etag);
    await mkdir(dirname(pointer), { recursive: true });
    // Made beside and renamed over: a reader (or a concurrent download of the same file) never
    // sees the pointer missing.
    const temporary = `${pointer}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
    try {
      await symlink(relative(dirname(pointer), blob), temporary);
    } catch {
      // Windows without developer mode refuses symlinks; huggingface_hub copies then too.
      await copyFile(blob, temporary);
    }
    await rename(temporary, pointer);
  };

  return {
    location: repoFolder,
    readRef: async (revision) => {
      const sha = await readFile(safeJoin(join(repoFolder, 'refs'), revision), 'utf8').catch(() => undefined);
      return sha?.trim() || undefined;
    },
    writeRef: async (revision, commit) => {
      const path = safeJoin(join(repoFolder, 'refs'), revision);
      await mkdir(dirname(path), { recursive: true });
      // huggingface_hub writes the sha without a newline.
      await writeFile(path, commit);
    },
    listSnapshot: async (commit) => {
      const root = join(repoFolder, 'snapshots', commit);
      const entries = await readdir(root, { recursive: true, withFileTypes: true }).catch(() => []);
      const names: string[] = [];
      for (const entry of entries) {
        const full = join(entry.parentPath, entry.name);
        // A dangling symlink (blob deleted by hand) is not a cached file.
        if ((entry.isFile() || entry.isSymbolicLink()) && (await exists(full))) names.push(relative(root, full).split(sep).join('/'));
      }
      return names.sort();
    },
    has: (commit, path) => exists(snapshotPath(commit, path)),
    read: async (commit, path) => {
      const pointer = snapshotPath(commit, path);
      return (await exists(pointer)) ? new Uint8Array(await readFile(pointer)) : undefined;
    },
    localPath: async (commit, path) => {
      const pointer = snapshotPath(commit, path);
      return (await exists(pointer)) ? pointer : undefined;
    },
    linkBlob: async (target) => {
      if (!(await exists(blobPath(target.etag)))) return false;
      await link(target);
      return true;
    },
    saveDownload: async (target, open, onBytes) => {
      const blob = blobPath(target.etag);
      // Each download writes its own temp file, so two processes fetching the same blob never
      // write into one file; `<etag>.incomplete` (huggingface_hub's name) is only the hand-over
      // for a resume, taken with an atomic rename so one download adopts it.
      const mine = `${blob}.${process.pid}-${randomBytes(4).toString('hex')}.incomplete`;
      const shared = `${blob}.incomplete`;
      await mkdir(dirname(blob), { recursive: true });
      await adoptPartial(blob, shared, mine);
      const hash = createHash(target.algorithm === 'sha256' ? 'sha256' : 'sha1');
      if (target.algorithm === 'git-sha1') hash.update(`blob ${target.size}\0`);
      let offset = (await lstat(mine).catch(() => undefined))?.size ?? 0;
      if (offset > target.size) {
        await rm(mine, { force: true });
        offset = 0;
      }
      // Resume: hash the bytes already there, then ask for the rest.
      if (offset > 0) {
        for await (const chunk of createReadStream(mine, { end: offset - 1 })) hash.update(chunk as Buffer);
      }
      let loaded = offset;
      onBytes(loaded);
      try {
        // offset 0 always opens the file, so an empty file gets its (empty) blob too.
        if (offset < target.size || offset === 0) {
          const out = createWriteStream(mine, { flags: offset > 0 ? 'a' : 'w' });
          try {
            await open(offset).pipeTo(
              new WritableStream<Uint8Array>({
                write: async (chunk) => {
                  hash.update(chunk);
                  loaded += chunk.byteLength;
                  if (!out.write(chunk)) await new Promise<void>((done) => out.once('drain', () => done()));
                  onBytes(loaded);
                },
              }),
            );
          } finally {
            await new Promise<void>((done, fail) => out.end((error?: Error | null) => (error ? fail(error) : done())));
          }
        }
        if (loaded < target.size) throw sizeMismatchError(target, loaded, repoFolder);
      } catch (error) {
        // Interrupted: hand the bytes over for the next run to resume.
        await rename(mine, shared).catch(() => rm(mine, { force: true }));
        throw error;
      }
      if (loaded > target.size) {
        await rm(mine, { force: true });
        throw sizeMismatchError(target, loaded, repoFolder);
      }
      const actual = hash.digest('hex');
      if (actual !== target.etag) {
        await rm(mine, { force: true });
        throw checksumMismatchError(target, actual, repoFolder);
      }
      // Atomic: a concurrent download of the same blob renames identical, verified bytes.
      await rename(mine, blob);
      await link(target);
    },
  };
}

