import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { copyFile, lstat, mkdir, readFile, readdir, rename, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
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

/**
 * {@link HubFileStore} over a repository folder of the Hugging Face cache (`models--org--name`), in
 * huggingface_hub's layout so Python and inseq-ts share files both ways: `blobs/<etag>` holds the
 * bytes, `snapshots/<commit>/<path>` is a relative symlink to the blob (a copy where symlinks are
 * refused), `refs/<branch>` holds a commit sha. A download goes to `blobs/<etag>.incomplete` (kept
 * for a resume when interrupted), is hashed as it arrives, and is renamed into place only when
 * size and checksum match, so a snapshot never holds a partial or corrupted file.
 */
export function fsCacheStore(repoFolder: string): HubFileStore {
  const snapshotPath = (commit: string, path: string) => safeJoin(join(repoFolder, 'snapshots', commit), path);
  const blobPath = (etag: string) => join(repoFolder, 'blobs', etag);

  const link = async (target: HubDownloadTarget): Promise<void> => {
    const pointer = snapshotPath(target.commit, target.path);
    const blob = blobPath(target.etag);
    await mkdir(dirname(pointer), { recursive: true });
    await rm(pointer, { force: true });
    try {
      await symlink(relative(dirname(pointer), blob), pointer);
    } catch {
      // Windows without developer mode refuses symlinks; huggingface_hub copies then too.
      await copyFile(blob, pointer);
    }
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
      const incomplete = `${blob}.incomplete`;
      await mkdir(dirname(blob), { recursive: true });
      const hash = createHash(target.algorithm === 'sha256' ? 'sha256' : 'sha1');
      if (target.algorithm === 'git-sha1') hash.update(`blob ${target.size}\0`);
      // Resume an interrupted download: hash the bytes already there, then ask for the rest.
      let offset = (await lstat(incomplete).catch(() => undefined))?.size ?? 0;
      if (offset > target.size) {
        await rm(incomplete, { force: true });
        offset = 0;
      }
      if (offset > 0) {
        for await (const chunk of createReadStream(incomplete, { end: offset - 1 })) hash.update(chunk as Buffer);
      }
      let loaded = offset;
      onBytes(loaded);
      // offset 0 always opens the file, so an empty file gets its (empty) blob too.
      if (offset < target.size || offset === 0) {
        const out = createWriteStream(incomplete, { flags: offset > 0 ? 'a' : 'w' });
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
      if (loaded !== target.size) {
        // Short: keep the bytes for a resume. Long: the file is not the one listed; start over next time.
        if (loaded > target.size) await rm(incomplete, { force: true });
        throw sizeMismatchError(target, loaded, repoFolder);
      }
      const actual = hash.digest('hex');
      if (actual !== target.etag) {
        await rm(incomplete, { force: true });
        throw checksumMismatchError(target, actual, repoFolder);
      }
      await rename(incomplete, blob);
      await link(target);
    },
  };
}

