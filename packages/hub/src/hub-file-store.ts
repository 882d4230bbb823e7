/** A {@link HubFileStore}'s view of one downloaded file: where it goes and what its bytes must hash to. */
export interface HubDownloadTarget {
  /** Repository id, for messages. */
  readonly repoId: string;
  /** Commit sha of the snapshot the file belongs to. */
  readonly commit: string;
  /** Path of the file in the repository. */
  readonly path: string;
  /** The blob's name in the cache: sha256 for LFS files, git blob sha1 otherwise (the Hub's ETag). */
  readonly etag: string;
  readonly size: number;
  /** `sha256` of the content (LFS) or `git-sha1` (`sha1("blob <size>\0" + content)`, plain files). */
  readonly algorithm: 'sha256' | 'git-sha1';
}

/**
 * Where a Hub repository's files are kept: the Hugging Face cache folder (Node) or the Cache API
 * (browsers). One store serves one repository of one endpoint.
 */
export interface HubFileStore {
  /** Where the files are kept, for messages (`~/.cache/huggingface/hub/models--org--name`). */
  readonly location: string;
  /** The commit sha a branch or tag pointed to when last resolved online (`refs/main`). */
  readRef(revision: string): Promise<string | undefined>;
  writeRef(revision: string, commit: string): Promise<void>;
  /** Paths of the files cached for `commit`, sorted. */
  listSnapshot(commit: string): Promise<string[]>;
  /** Whether `path` is cached for `commit`, without reading it. */
  has(commit: string, path: string): Promise<boolean>;
  read(commit: string, path: string): Promise<Uint8Array | undefined>;
  /** A local file path of a cached file, where the store has one (Node). */
  localPath(commit: string, path: string): Promise<string | undefined>;
  /** Adds `path` to the snapshot from a blob already cached (another revision); false when the blob is not there. */
  linkBlob(target: HubDownloadTarget): Promise<boolean>;
  /**
   * Downloads `target` with `open(offset)` (the bytes from `offset` on), checks size and checksum,
   * and only then makes it part of the snapshot; on a checksum mismatch nothing is kept. May resume
   * from a partial download of an earlier, interrupted run.
   */
  saveDownload(
    target: HubDownloadTarget,
    open: (offset: number) => ReadableStream<Uint8Array>,
    onBytes: (loaded: number) => void,
  ): Promise<void>;
}
