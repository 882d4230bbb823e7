import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type HubCommit, type HubFileEntry, type HubRepoState, buildRepoState, defaultIsLfs, directoriesOf, treeEntryJson } from './hub-repo-state';
import type { HubStandIn, HubStandInFault, HubStandInOptions, HubStandInRequest } from './hub-stand-in-options';

// Browsers (the web app's test) call the stand-in from another origin: allow what the Hub allows
// and expose the headers clients read.
const CORS_HEADERS = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Allow-Headers': 'Authorization, Range, Content-Type, Accept',
  'Access-Control-Allow-Methods': 'GET, HEAD, POST, OPTIONS',
  'Access-Control-Expose-Headers':
    'ETag, X-Repo-Commit, X-Linked-Etag, X-Linked-Size, X-Error-Code, X-Error-Message, Content-Range, Content-Length, Accept-Ranges',
};

const ROUTE_KEYWORDS = ['revision', 'tree', 'paths-info'] as const;

interface Answer {
  status: number;
  headers?: Record<string, string>;
  body?: Uint8Array | string;
  /** Destroy the socket after writing this many body bytes (a dropped connection). */
  dropAfter?: number;
}

function errorAnswer(status: number, code: string | undefined, message: string): Answer {
  return {
    status,
    headers: { 'Content-Type': 'application/json', ...(code && { 'X-Error-Code': code }), 'X-Error-Message': message },
    body: JSON.stringify({ error: message }),
  };
}

function jsonAnswer(value: unknown): Answer {
  return { status: 200, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(value) };
}

/**
 * Starts a stand-in for the parts of the Hugging Face Hub HTTP API that `@huggingface/hub`'s
 * download functions call, on 127.0.0.1 and a free port: revision info
 * (`/api/models/{id}/revision/{rev}`), the file tree (`/api/models/{id}/tree/{rev}`), `paths-info`
 * and `/{id}/resolve/{rev}/{path}` with `ETag` (sha256 for LFS files, git blob sha1 otherwise),
 * `X-Repo-Commit`, `X-Linked-Etag`, `X-Linked-Size` and `Range` (206). Errors carry the Hub's
 * `X-Error-Code` (`RepoNotFound`, `RevisionNotFound`, `EntryNotFound`, `GatedRepo`). Faults
 * (dropped connection, corrupted bytes) are injected per file. Nothing leaves the machine.
 */
export async function startHubStandIn(options: HubStandInOptions): Promise<HubStandIn> {
  const { createServer } = await import('node:http');
  const isLfs = options.isLfs ?? defaultIsLfs;
  // Dataset repositories are keyed `datasets/<id>`, as their URLs name them.
  const repos = new Map<string, HubRepoState>(options.repos.map((repo) => [repo.type === 'dataset' ? `datasets/${repo.id}` : repo.id, buildRepoState(repo, isLfs)]));
  const tokens = new Set(options.tokens ?? []);
  const faultsLeft = new Map<HubStandInFault, number>((options.faults ?? []).map((fault) => [fault, fault.times ?? Number.POSITIVE_INFINITY]));
  const requests: HubStandInRequest[] = [];

  /** Splits `rest` (`org/name/tree/main/onnx`) into a repo id and what follows the keyword. */
  const splitRepo = (rest: string, keywords: readonly string[]): { id: string; keyword: string; tail: string } | undefined => {
    const parts = rest.split('/');
    // Known repos first (one-part legacy ids and two-part ids are both possible), then any guess.
    for (const id of [...repos.keys()].sort((a, b) => b.length - a.length)) {
      const length = id.split('/').length;
      if (parts.slice(0, length).join('/') === id && keywords.includes(parts[length] ?? '')) {
        return { id, keyword: parts[length]!, tail: parts.slice(length + 1).join('/') };
      }
    }
    const at = parts.findIndex((part, index) => index > 0 && keywords.includes(part));
    return at < 0 ? undefined : { id: parts.slice(0, at).join('/'), keyword: parts[at]!, tail: parts.slice(at + 1).join('/') };
  };

  const access = (state: HubRepoState | undefined, id: string, token: string | undefined, forFile: boolean): Answer | undefined => {
    if (state === undefined) return errorAnswer(404, 'RepoNotFound', `Repository not found: ${id}`);
    const known = token !== undefined && tokens.has(token);
    if (state.repo.private && !known) {
      return errorAnswer(401, 'RepoNotFound', `Repository not found: ${id} (private; authenticate to access it)`);
    }
    if (forFile && state.repo.gated && !known) {
      return token === undefined
        ? errorAnswer(401, 'GatedRepo', `Access to model ${id} is restricted. You must be authenticated to access it.`)
        : errorAnswer(403, 'GatedRepo', `Access to model ${id} is restricted and you are not in the authorized list.`);
    }
    return undefined;
  };

  const commitOrError = (state: HubRepoState, revision: string): HubCommit | Answer =>
    state.resolve(revision) ?? errorAnswer(404, 'RevisionNotFound', `Invalid rev id: ${revision}`);

  const api = async (request: IncomingMessage, path: string, token: string | undefined): Promise<Answer> => {
    const split = splitRepo(path, ROUTE_KEYWORDS);
    if (split === undefined) return errorAnswer(404, undefined, `Unknown API route ${path}`);
    const state = repos.get(split.id);
    const denied = access(state, split.id, token, false);
    if (denied) return denied;
    const [revisionPart = 'main', ...subPath] = split.tail.split('/');
    const revision = decodeURIComponent(revisionPart);
    const commit = commitOrError(state!, revision === 'HEAD' ? 'main' : revision);
    if (!('sha' in commit)) return commit;
    if (split.keyword === 'revision') {
      return jsonAnswer({
        _id: createHash('sha1').update(split.id).digest('hex').slice(0, 24),
        id: split.id,
        sha: commit.sha,
        private: state!.repo.private ?? false,
        gated: state!.repo.gated ? 'auto' : false,
        downloads: 0,
        likes: 0,
        lastModified: '2026-01-01T00:00:00.000Z',
        pipeline_tag: 'text-generation',
        siblings: [...commit.files.keys()].map((rfilename) => ({ rfilename })),
      });
    }
    if (split.keyword === 'tree') {
      const prefix = subPath.join('/');
      const recursive = new URL(request.url ?? '/', 'http://x').searchParams.get('recursive') === 'true';
      const inside = (name: string) => (prefix === '' ? true : name.startsWith(`${prefix}/`));
      const direct = (name: string) => !name.slice(prefix === '' ? 0 : prefix.length + 1).includes('/');
      const files = [...commit.files.values()].filter((file) => inside(file.path) && (recursive || direct(file.path)));
      const directories = directoriesOf(commit).filter((name) => inside(name) && (recursive || direct(name)));
      if (prefix !== '' && files.length === 0 && directories.length === 0) {
        return errorAnswer(404, 'EntryNotFound', `${prefix} does not exist on "${revision}"`);
      }
      return jsonAnswer([
        ...directories.map((name) => ({ type: 'directory', oid: createHash('sha1').update(name).digest('hex'), size: 0, path: name })),
        ...files.map(treeEntryJson),
      ]);
    }
    // paths-info: POST {paths, expand}
    const body = JSON.parse((await readBody(request)) || '{}') as { paths?: string[]; expand?: boolean };
    return jsonAnswer(
      (body.paths ?? [])
        .map((name) => commit.files.get(name))
        .filter((file): file is HubFileEntry => file !== undefined)
        .map((file) => ({
          ...treeEntryJson(file),
          ...(body.expand && { lastCommit: { id: commit.sha, title: 'Upload', date: '2026-01-01T00:00:00.000Z' }, securityFileStatus: { status: 'safe' } }),
        })),
    );
  };

  const resolve = (request: IncomingMessage, path: string, token: string | undefined): Answer => {
    const split = splitRepo(path, ['resolve']);
    if (split === undefined) return errorAnswer(404, undefined, `Unknown route ${path}`);
    const state = repos.get(split.id);
    const denied = access(state, split.id, token, true);
    if (denied) return denied;
    const [revisionPart = '', ...fileParts] = split.tail.split('/');
    const commit = commitOrError(state!, decodeURIComponent(revisionPart));
    if (!('sha' in commit)) return commit;
    const name = fileParts.map(decodeURIComponent).join('/');
    const file = commit.files.get(name);
    if (file === undefined) return errorAnswer(404, 'EntryNotFound', `Entry not found: ${name}`);
    let bytes = file.bytes;
    const size = bytes.byteLength;
    const headers: Record<string, string> = {
      ETag: `"${file.lfsOid ?? file.gitOid}"`,
      'X-Repo-Commit': commit.sha,
      'Accept-Ranges': 'bytes',
      'Content-Type': name.endsWith('.json') ? 'application/json' : 'application/octet-stream',
      ...(file.lfsOid !== undefined && { 'X-Linked-Etag': `"${file.lfsOid}"`, 'X-Linked-Size': String(size) }),
    };
    const rangeHeader = request.headers.range;
    let start = 0;
    let end = size - 1;
    let status = 200;
    if (rangeHeader !== undefined) {
      const match = /^bytes=(\d*)-(\d*)$/.exec(rangeHeader);
      if (!match || (match[1] === '' && match[2] === '')) return errorAnswer(416, undefined, `Bad Range ${rangeHeader}`);
      start = match[1] === '' ? size - Number(match[2]) : Number(match[1]);
      end = match[1] === '' || match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
      if (start > end || start >= size) {
        return { status: 416, headers: { ...headers, 'Content-Range': `bytes */${size}` } };
      }
      status = 206;
      headers['Content-Range'] = `bytes ${start}-${end}/${size}`;
    }
    let dropAfter: number | undefined;
    // A one-byte probe (`Range: bytes=0-0`, how @huggingface/hub learns the size) never gets a fault.
    const probe = status === 206 && end === start;
    if (!probe && request.method === 'GET') {
      for (const [fault, left] of faultsLeft) {
        if (fault.repo !== split.id || fault.path !== name || left <= 0) continue;
        faultsLeft.set(fault, left - 1);
        if (fault.kind === 'corrupt') {
          bytes = bytes.slice();
          bytes[Math.floor(size / 2)]! ^= 0xff;
        } else {
          dropAfter = Math.floor((end - start + 1) / 2);
        }
      }
    }
    const body = bytes.subarray(start, end + 1);
    headers['Content-Length'] = String(body.byteLength);
    return { status, headers, body: request.method === 'HEAD' ? undefined : body, ...(dropAfter !== undefined && { dropAfter }) };
  };

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const authorization = request.headers.authorization;
    const token = authorization?.startsWith('Bearer ') ? authorization.slice('Bearer '.length) : undefined;
    const path = url.pathname.replace(/^\/+/, '');
    let answer: Answer;
    if (request.method === 'OPTIONS') answer = { status: 204 };
    else if (path.startsWith('api/models/')) answer = await api(request, path.slice('api/models/'.length), token);
    else if (path.startsWith('api/datasets/')) answer = await api(request, `datasets/${path.slice('api/datasets/'.length)}`, token);
    else if (request.method === 'GET' || request.method === 'HEAD') answer = resolve(request, path, token);
    else answer = errorAnswer(405, undefined, `Method ${request.method} not allowed`);
    requests.push({
      method: request.method ?? 'GET',
      url: request.url ?? '/',
      status: answer.status,
      ...(request.headers.range !== undefined && { range: request.headers.range }),
      authorized: authorization !== undefined,
    });
    const body = typeof answer.body === 'string' ? new TextEncoder().encode(answer.body) : answer.body;
    response.writeHead(answer.status, {
      ...CORS_HEADERS,
      ...(body !== undefined && { 'Content-Length': String(body.byteLength) }),
      ...answer.headers,
    });
    if (body === undefined) {
      response.end();
    } else if (answer.dropAfter !== undefined) {
      response.write(body.subarray(0, answer.dropAfter), () => {
        // Let the partial body reach the client, then cut the connection as a network failure would.
        setTimeout(() => response.socket?.destroy(), 20);
      });
    } else {
      response.end(body);
    }
  };

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) response.writeHead(500, CORS_HEADERS);
      response.end(String(error));
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    commitOf: (repo, revision = 'main') => {
      const commit = repos.get(repo)?.resolve(revision);
      if (commit === undefined) throw new Error(`The stand-in has no revision '${revision}' of '${repo}'.`);
      return commit.sha;
    },
    downloadsOf: (path, repo) =>
      requests.filter((request) => {
        if (request.method !== 'GET' || request.range === 'bytes=0-0' || request.status >= 300) return false;
        const pathname = new URL(request.url, 'http://x').pathname;
        const marker = pathname.indexOf('/resolve/');
        if (marker < 0) return false;
        if (repo !== undefined && pathname.slice(1, marker) !== repo) return false;
        return pathname.slice(marker + '/resolve/'.length).split('/').slice(1).map(decodeURIComponent).join('/') === path;
      }),
    close: () =>
      new Promise<void>((done, fail) => {
        server.closeAllConnections();
        server.close((error) => (error ? fail(error) : done()));
      }),
  };
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((done, fail) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => done(Buffer.concat(chunks).toString('utf8')));
    request.on('error', fail);
  });
}
