import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One served file: its bytes, its text, or a function giving the bytes on first request (large files). */
export type StaticFile = Uint8Array | string | (() => Uint8Array | Promise<Uint8Array>);

/** Content types by file extension; anything else is served as `application/octet-stream`. */
export const staticMimeTypes: Readonly<Record<string, string>> = Object.freeze({
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.wasm': 'application/wasm',
  '.onnx': 'application/octet-stream',
  '.safetensors': 'application/octet-stream',
});

/** The content type {@link startStaticServer} sends for `path`. */
export function staticMimeType(path: string): string {
  const dot = path.lastIndexOf('.');
  const extension = dot > path.lastIndexOf('/') ? path.slice(dot).toLowerCase() : '';
  return staticMimeTypes[extension] ?? 'application/octet-stream';
}

/** Options of {@link startStaticServer}. */
export interface StaticServerOptions {
  /**
   * Headers sent with every response, e.g. `Cross-Origin-Opener-Policy` / `Cross-Origin-Embedder-Policy`
   * to make the page cross-origin isolated (threaded wasm). @defaultValue none
   */
  readonly headers?: Readonly<Record<string, string>>;
}

/** A running {@link startStaticServer}. */
export interface StaticServer {
  /** `http://127.0.0.1:<port>`. */
  readonly origin: string;
  /** The absolute URL of a served path (`'/index.html'`). */
  url(path: string): string;
  /** Path (with query) of every request the server received, in order, the unknown ones (404) included. */
  readonly requests: readonly string[];
  close(): Promise<void>;
}

/**
 * Serves a fixed map of absolute paths (`'/index.html'`, `'/ort/x.wasm'`) to bytes on 127.0.0.1,
 * on a free port, with content types from {@link staticMimeTypes} (browsers refuse
 * `WebAssembly.instantiateStreaming` and module scripts under the wrong one). Only GET and HEAD;
 * unknown paths get 404. No directory listing, no files read from disk behind the caller's back.
 */
export async function startStaticServer(
  files: Readonly<Record<string, StaticFile>>,
  options?: StaticServerOptions,
): Promise<StaticServer> {
  for (const path of Object.keys(files)) {
    if (!path.startsWith('/')) throw new Error(`Static server paths start with '/', got ${JSON.stringify(path)}.`);
  }
  const requests: string[] = [];
  const cache = new Map<string, Promise<Uint8Array>>();
  const bytesOf = (path: string): Promise<Uint8Array> => {
    let bytes = cache.get(path);
    if (bytes === undefined) {
      const file = files[path];
      bytes =
        typeof file === 'string'
          ? Promise.resolve(new TextEncoder().encode(file))
          : file instanceof Uint8Array
            ? Promise.resolve(file)
            : Promise.resolve().then(file);
      cache.set(path, bytes);
    }
    return bytes;
  };
  const extraHeaders = options?.headers ?? {};

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const target = request.url ?? '/';
    requests.push(target);
    const path = decodeURIComponent(new URL(target, 'http://127.0.0.1').pathname);
    for (const [name, value] of Object.entries(extraHeaders)) response.setHeader(name, value);
    response.setHeader('Cache-Control', 'no-store');
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { Allow: 'GET, HEAD' }).end();
      return;
    }
    if (!Object.hasOwn(files, path)) {
      response.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end(`Not found: ${path}\n`);
      return;
    }
    try {
      const bytes = await bytesOf(path);
      response.writeHead(200, { 'Content-Type': staticMimeType(path), 'Content-Length': bytes.byteLength });
      response.end(request.method === 'HEAD' ? undefined : bytes);
    } catch (cause) {
      response.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' }).end(`${(cause as Error)?.message ?? cause}\n`);
    }
  };

  const server = createServer((request, response) => void handle(request, response));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    url: (path) => new URL(path, origin).href,
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
