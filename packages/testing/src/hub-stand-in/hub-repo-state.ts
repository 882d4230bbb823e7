import { createHash } from 'node:crypto';
import type { HubStandInRepo } from './hub-stand-in-options';

/** One file of a commit as the Hub describes it in `tree` and `paths-info`. */
export interface HubFileEntry {
  readonly path: string;
  readonly bytes: Uint8Array;
  /** Git blob sha1 (`sha1("blob <size>\0" + content)`), the Hub's `oid` and a plain file's `ETag`. */
  readonly gitOid: string;
  /** sha256 of the content, for LFS files: the Hub's `lfs.oid` and their `ETag`. */
  readonly lfsOid?: string;
}

/** One commit of a stand-in repository. */
export interface HubCommit {
  readonly sha: string;
  readonly files: ReadonlyMap<string, HubFileEntry>;
}

/** A repository with its commits, looked up by branch, tag or sha. */
export interface HubRepoState {
  readonly repo: HubStandInRepo;
  /** Branch or tag name, or commit sha → commit. */
  resolve(revision: string): HubCommit | undefined;
  readonly refs: ReadonlyMap<string, HubCommit>;
}

const LFS_EXTENSIONS = ['.safetensors', '.bin', '.onnx', '.onnx_data', '.h5', '.msgpack'];

/** The default LFS rule of the stand-in: weights and ONNX files, and anything of 10 MiB or more. */
export function defaultIsLfs(path: string, size: number): boolean {
  return LFS_EXTENSIONS.some((extension) => path.endsWith(extension)) || size >= 10 * 1024 * 1024;
}

function gitBlobSha1(bytes: Uint8Array): string {
  return createHash('sha1').update(`blob ${bytes.byteLength}\0`).update(bytes).digest('hex');
}

/** Builds the commits of `repo`: the sha of each is derived from its id, ref name and file oids. */
export function buildRepoState(repo: HubStandInRepo, isLfs: (path: string, size: number) => boolean): HubRepoState {
  const encoder = new TextEncoder();
  const refs = new Map<string, HubCommit>();
  const bySha = new Map<string, HubCommit>();
  for (const [ref, files] of Object.entries(repo.revisions)) {
    const entries = new Map<string, HubFileEntry>();
    for (const path of Object.keys(files).sort()) {
      const raw = files[path]!;
      const bytes = typeof raw === 'string' ? encoder.encode(raw) : raw;
      const lfsOid = isLfs(path, bytes.byteLength) ? createHash('sha256').update(bytes).digest('hex') : undefined;
      entries.set(path, { path, bytes, gitOid: gitBlobSha1(bytes), ...(lfsOid !== undefined && { lfsOid }) });
    }
    const hash = createHash('sha1').update(`${repo.id}\0${ref}\0`);
    for (const entry of entries.values()) hash.update(`${entry.path}\0${entry.gitOid}\0`);
    const commit: HubCommit = { sha: hash.digest('hex'), files: entries };
    refs.set(ref, commit);
    bySha.set(commit.sha, commit);
  }
  return { repo, refs, resolve: (revision) => refs.get(revision) ?? bySha.get(revision) };
}

/** The entry of `file` as the Hub's `tree` and `paths-info` APIs return it. */
export function treeEntryJson(file: HubFileEntry): Record<string, unknown> {
  return {
    type: 'file',
    oid: file.gitOid,
    size: file.bytes.byteLength,
    path: file.path,
    ...(file.lfsOid !== undefined && {
      // The pointer file's size, as the Hub reports it (version, oid and size lines).
      lfs: { oid: file.lfsOid, size: file.bytes.byteLength, pointerSize: 134 },
    }),
  };
}

/** The directories of a commit (`onnx`), which the Hub's recursive tree lists as entries too. */
export function directoriesOf(commit: HubCommit): string[] {
  const directories = new Set<string>();
  for (const path of commit.files.keys()) {
    const parts = path.split('/');
    for (let i = 1; i < parts.length; i++) directories.add(parts.slice(0, i).join('/'));
  }
  return [...directories].sort();
}
