import { checksumMismatchError } from './checksum-mismatch-error';
import { sizeMismatchError } from './size-mismatch-error';
import type { HubDownloadTarget, HubFileStore } from './hub-file-store';

/** The Cache API cache transformers.js keeps Hub files in; inseq-ts keeps its files there too. */
export const BROWSER_CACHE_NAME = 'transformers-cache';

const hex = (buffer: ArrayBuffer): string => [...new Uint8Array(buffer)].map((byte) => byte.toString(16).padStart(2, '0')).join('');

async function digest(target: HubDownloadTarget, bytes: Uint8Array): Promise<string> {
  if (target.algorithm === 'sha256') return hex(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
  const header = new TextEncoder().encode(`blob ${target.size}\0`);
  const full = new Uint8Array(header.byteLength + bytes.byteLength);
  full.set(header);
  full.set(bytes, header.byteLength);
  return hex(await crypto.subtle.digest('SHA-1', full));
}

/** A stand-in for a Cache where the Cache API is missing (insecure contexts): same keys, in memory. */
function createMemoryCache(): Pick<Cache, 'match' | 'put' | 'keys'> {
  const entries = new Map<string, Uint8Array>();
  const keyOf = (request: RequestInfo | URL) => (typeof request === 'string' ? request : request instanceof URL ? request.href : request.url);
  return {
    match: async (request: RequestInfo | URL) => {
      const bytes = entries.get(keyOf(request));
      return bytes === undefined ? undefined : new Response(bytes as Uint8Array<ArrayBuffer>);
    },
    put: async (request: RequestInfo | URL, response: Response) => {
      entries.set(keyOf(request), new Uint8Array(await response.arrayBuffer()));
    },
    keys: async () => [...entries.keys()].map((url) => new Request(url)),
  } as Pick<Cache, 'match' | 'put' | 'keys'>;
}

/**
 * {@link HubFileStore} over the browser's Cache API, keyed by URL as transformers.js keys its
 * files: `<endpoint>/<repo>/resolve/<commit>/<path>`. Keys name the commit sha, not the branch, so
 * a cached file is never stale; the branch → commit mapping is kept under
 * `<endpoint>/api/models/<repo>/revision/<branch>` for offline use. A file is put in the cache only
 * after its size and checksum match, so the cache never holds a partial or corrupted file.
 */
export function cacheApiStore(repoId: string, endpoint: string, cacheName = BROWSER_CACHE_NAME): HubFileStore {
  const fileUrl = (commit: string, path: string) =>
    `${endpoint}/${repoId}/resolve/${commit}/${path.split('/').map(encodeURIComponent).join('/')}`;
  const refUrl = (revision: string) => `${endpoint}/api/models/${repoId}/revision/${encodeURIComponent(revision)}`;
  // The Cache API exists only in secure contexts (https, localhost); elsewhere files live for this page only.
  const open = (): Promise<Pick<Cache, 'match' | 'put' | 'keys'>> =>
    typeof caches === 'undefined' ? Promise.resolve(memoryCache) : caches.open(cacheName);
  const memoryCache = createMemoryCache();
  const location = `the browser cache '${cacheName}' (${endpoint}/${repoId})`;

  const put = async (url: string, body: Uint8Array, type: string) => {
    await (await open()).put(url, new Response(body as Uint8Array<ArrayBuffer>, { headers: { 'Content-Type': type, 'Content-Length': String(body.byteLength) } }));
  };

  return {
    location,
    readRef: async (revision) => {
      const response = await (await open()).match(refUrl(revision));
      return response ? ((await response.json()) as { sha?: string }).sha : undefined;
    },
    writeRef: async (revision, commit) => put(refUrl(revision), new TextEncoder().encode(JSON.stringify({ sha: commit })), 'application/json'),
    listSnapshot: async (commit) => {
      const prefix = fileUrl(commit, '');
      return (await (await open()).keys())
        .map((request) => request.url)
        .filter((url) => url.startsWith(prefix))
        .map((url) => url.slice(prefix.length).split('/').map(decodeURIComponent).join('/'))
        .sort();
    },
    // A matched Response's body is not read here, so large files are not copied out to answer.
    has: async (commit, path) => (await (await open()).match(fileUrl(commit, path))) !== undefined,
    read: async (commit, path) => {
      const response = await (await open()).match(fileUrl(commit, path));
      return response ? new Uint8Array(await response.arrayBuffer()) : undefined;
    },
    localPath: async () => undefined,
    // Entries are keyed by URL, not by blob: there is nothing to link.
    linkBlob: async () => false,
    saveDownload: async (target, openStream, onBytes) => {
      // The browser has no file to resume into: the file is gathered in memory (the backends need it there anyway).
      const chunks: Uint8Array[] = [];
      let loaded = 0;
      onBytes(0);
      await openStream(0).pipeTo(
        new WritableStream<Uint8Array>({
          write: (chunk) => {
            chunks.push(chunk);
            loaded += chunk.byteLength;
            onBytes(loaded);
          },
        }),
      );
      if (loaded !== target.size) throw sizeMismatchError(target, loaded, location);
      const bytes = new Uint8Array(loaded);
      let at = 0;
      for (const chunk of chunks) {
        bytes.set(chunk, at);
        at += chunk.byteLength;
      }
      const actual = await digest(target, bytes);
      if (actual !== target.etag) throw checksumMismatchError(target, actual, location);
      await put(fileUrl(target.commit, target.path), bytes, 'application/octet-stream');
    },
  };
}
