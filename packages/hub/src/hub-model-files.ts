import { HubApiError, type ListFileEntry, datasetInfo, downloadFile, listFiles, modelInfo } from '@huggingface/hub';
import { InvalidInputError, ModelLoadError, type ModelFiles } from '@inseq/core';
import { createHubStore, readHubEnvironment } from '#hub-platform';
import type { HubDownloadTarget } from './hub-file-store';
import { hubLoadError } from './hub-load-error';
import { DEFAULT_HUB_ENDPOINT, type HubOptions } from './hub-options';
import { parseHubId } from './parse-hub-id';

/** {@link ModelFiles} of a Hub repository at one commit, with what was resolved. */
export interface HubModelFiles extends ModelFiles {
  /** `'org/name'`. */
  readonly repoId: string;
  /** The revision asked for (`'main'`, a tag, a sha). */
  readonly revision: string;
  /** The commit sha the revision resolved to. */
  readonly commit: string;
  /** True when files come from the cache only (asked for, or the Hub was unreachable). */
  readonly offline: boolean;
  /** Where the files are cached (`…/hub/models--org--name`, or the browser cache). */
  readonly cacheLocation: string;
  /** Offline: the files asked for (`has`, `read`, `localPath`) that the cache does not hold, sorted. */
  missingFiles(): string[];
}

const COMMIT_SHA = /^[0-9a-f]{40}$/;

function isNetworkFailure(error: unknown): boolean {
  return !(error instanceof HubApiError) && error instanceof TypeError;
}

/**
 * The files of a Hugging Face Hub model repository (`'org/name'`, `'org/name@rev'`) as
 * {@link ModelFiles}, downloaded lazily: `list` and `has` answer from one file listing at the
 * resolved commit; `read` and `localPath` download the one file asked for into the cache on first
 * use. So a backend reads (and downloads) only the files it needs for the chosen dtype. Files are
 * kept in the standard Hugging Face cache in Node (shared with Python's huggingface_hub and
 * transformers) and in the Cache API in browsers; offline (`HF_HUB_OFFLINE=1`), the revision
 * resolves through the cache's `refs/` and only cached files are served.
 *
 * @throws ModelLoadError `HUB_NOT_FOUND` (repo or revision), `HUB_UNAUTHORIZED` (gated or private
 *   without a token that has access), `NOT_IN_CACHE` (offline, revision never resolved), `DOWNLOAD_FAILED`.
 */
export async function hubModelFiles(id: string, options: HubOptions = {}): Promise<HubModelFiles> {
  const parsed = parseHubId(id);
  if (parsed === undefined) {
    throw new InvalidInputError(
      `'${id}' is not a Hugging Face Hub model id. Pass 'org/name' or 'name', optionally with '@revision' (branch, tag or commit sha).`, { code: 'INVALID_ARGUMENT' },
    );
  }
  if (parsed.revision !== undefined && options.revision !== undefined && parsed.revision !== options.revision) {
    throw new InvalidInputError(
      `Two revisions for ${parsed.repoId}: '${parsed.revision}' in the id and '${options.revision}' in the options. Give one.`, { code: 'INVALID_ARGUMENT' },
    );
  }
  const { repoId } = parsed;
  const revision = options.revision ?? parsed.revision ?? 'main';
  const environment = readHubEnvironment();
  const endpoint = (options.endpoint ?? environment.endpoint ?? DEFAULT_HUB_ENDPOINT).replace(/\/+$/, '');
  const accessToken = options.token ?? environment.token;
  if (accessToken !== undefined && !accessToken.startsWith('hf_')) {
    throw new InvalidInputError(
      `The Hugging Face token (HF_TOKEN or the token option) must start with 'hf_'; create one at ${endpoint}/settings/tokens.`, { code: 'INVALID_ARGUMENT' },
    );
  }
  let offline = options.offline ?? environment.offline ?? false;
  const repoType = options.repoType ?? 'model';
  const repo = { type: repoType, name: repoId } as const;
  const store = createHubStore(repoId, endpoint, options.cacheDir ?? environment.cacheDir, repoType);

  // The Hub says which 404 it is in `X-Error-Code`, which `HubApiError` drops: remember it per URL.
  const errorCodes = new Map<string, string>();
  const baseFetch = options.fetch ?? globalThis.fetch;
  const fetch: typeof globalThis.fetch = async (input, init) => {
    const response = await baseFetch(input, init);
    const code = response.headers.get('x-error-code');
    if (!response.ok && code) errorCodes.set(response.url, code);
    return response;
  };
  const common = { hubUrl: endpoint, fetch, ...(accessToken !== undefined && { accessToken }) };
  const fail = (error: unknown, file?: string) =>
    hubLoadError(error, {
      repoId,
      revision,
      endpoint,
      withToken: accessToken !== undefined,
      cacheLocation: store.location,
      ...(file !== undefined && { file }),
      ...(error instanceof HubApiError && errorCodes.has(error.url) && { errorCode: errorCodes.get(error.url) }),
    });

  const cachedCommit = async () => (COMMIT_SHA.test(revision) ? revision : await store.readRef(revision));
  let commit: string;
  if (offline) {
    const found = await cachedCommit();
    if (found === undefined) {
      throw new ModelLoadError(
        `Offline (HF_HUB_OFFLINE=1), and ${repoId}@${revision} was never resolved into the cache ${store.location} ` +
          `(no refs/${revision}). Run once online, or pass a commit sha as the revision.`,
        { code: 'NOT_IN_CACHE' },
      );
    }
    commit = found;
  } else {
    try {
      commit =
        repoType === 'dataset'
          ? (await datasetInfo({ ...common, name: repoId, revision, additionalFields: ['sha'] })).sha
          : (await modelInfo({ ...common, name: repoId, revision, additionalFields: ['sha'] })).sha;
    } catch (error) {
      // Like huggingface_hub: an unreachable Hub falls back to what the cache holds.
      const found = isNetworkFailure(error) ? await cachedCommit() : undefined;
      if (found === undefined) throw fail(error);
      commit = found;
      offline = true;
    }
    if (!offline && commit !== revision) await store.writeRef(revision, commit);
  }

  let listing: Promise<Map<string, ListFileEntry>> | undefined;
  const remoteFiles = () => {
    listing ??= (async () => {
      const entries = new Map<string, ListFileEntry>();
      try {
        for await (const entry of listFiles({ ...common, repo, revision: commit, recursive: true })) {
          if (entry.type === 'file') entries.set(entry.path, entry);
        }
      } catch (error) {
        listing = undefined;
        throw fail(error);
      }
      return entries;
    })();
    return listing;
  };
  const missing = new Set<string>();
  const names = async (): Promise<string[]> =>
    offline ? await store.listSnapshot(commit) : [...(await remoteFiles()).keys()].sort();

  const offlineMissingError = (): ModelLoadError =>
    new ModelLoadError(
      `Offline (HF_HUB_OFFLINE=1): ${repoId}@${revision} (commit ${commit}) lacks ${[...missing].sort().join(', ')} in the cache ` +
        `${store.location}. Run once online with the same backend and dtype to download ${missing.size === 1 ? 'it' : 'them'}.`,
      { code: 'NOT_IN_CACHE' },
    );

  const downloads = new Map<string, Promise<void>>();
  const download = async (name: string): Promise<void> => {
    const entry = (await remoteFiles()).get(name);
    if (entry === undefined) {
      throw new ModelLoadError(
        `No such file '${name}' in ${repoId}@${revision} on ${endpoint}. Files there: ${(await names()).join(', ') || '(none)'}.`,
        { code: 'HUB_NOT_FOUND' },
      );
    }
    const target: HubDownloadTarget = {
      repoId,
      commit,
      path: name,
      etag: entry.lfs?.oid ?? entry.oid ?? '',
      size: entry.lfs?.size ?? entry.size,
      algorithm: entry.lfs ? 'sha256' : 'git-sha1',
    };
    if (!target.etag) throw new ModelLoadError(`The Hub lists '${name}' of ${repoId} without an oid; cannot cache it.`, { code: 'DOWNLOAD_FAILED' });
    if (await store.linkBlob(target)) return;
    if (target.size === 0) {
      // Nothing to fetch (and a one-byte `Range` probe of an empty file is refused): store it directly.
      await store.saveDownload(target, () => new ReadableStream({ start: (controller) => controller.close() }), () => {});
      return;
    }
    try {
      // xet: false — the plain `resolve` URL serves every file (the Hub redirects Xet-stored ones),
      // and the sha256 check below then covers every download the same way.
      const blob = await downloadFile({ ...common, repo, path: name, revision: commit, xet: false });
      if (blob === null) throw new ModelLoadError(`No such file '${name}' in ${repoId}@${revision} on ${endpoint}.`, { code: 'HUB_NOT_FOUND' });
      await store.saveDownload(target, (offset) => (offset === 0 ? blob : blob.slice(offset)).stream(), (loaded) =>
        options.onProgress?.({ repoId, file: name, loaded, total: target.size, done: false }),
      );
      options.onProgress?.({ repoId, file: name, loaded: target.size, total: target.size, done: true });
    } catch (error) {
      throw fail(error, name);
    }
  };
  /** The file in the cache, downloading it first when online; false when offline and not cached. */
  const ensure = async (name: string): Promise<boolean> => {
    if (await store.has(commit, name)) return true;
    if (offline) {
      missing.add(name);
      return false;
    }
    let pending = downloads.get(name);
    if (pending === undefined) {
      pending = download(name).finally(() => downloads.delete(name));
      downloads.set(name, pending);
    }
    await pending;
    return true;
  };

  const location = `${endpoint}/${repoType === 'dataset' ? 'datasets/' : ''}${repoId}@${revision}`;
  return {
    location,
    repoId,
    revision,
    commit,
    get offline() {
      return offline;
    },
    cacheLocation: store.location,
    missingFiles: () => [...missing].sort(),
    list: names,
    has: async (name) => {
      const found = (await names()).includes(name);
      if (!found && offline) missing.add(name);
      return found;
    },
    read: async (name) => {
      if (!(await ensure(name))) throw offlineMissingError();
      const bytes = await store.read(commit, name);
      if (bytes === undefined) throw new ModelLoadError(`${store.location} lost '${name}' while reading it.`);
      return bytes;
    },
    localPath: async (name) => {
      if (!(await ensure(name))) throw offlineMissingError();
      return store.localPath(commit, name);
    },
  };
}
