import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type StaticServer, startStaticServer, staticMimeType } from './static-server';

describe('startStaticServer', () => {
  let server: StaticServer;
  let lazyReads = 0;
  beforeAll(async () => {
    server = await startStaticServer(
      {
        '/index.html': '<!doctype html><title>t</title>',
        '/app.mjs': 'export const x = 1;',
        '/ort/runtime.wasm': new Uint8Array([0, 97, 115, 109]),
        '/big.bin': () => {
          lazyReads++;
          return new Uint8Array([1, 2, 3]);
        },
      },
      { headers: { 'Cross-Origin-Opener-Policy': 'same-origin' } },
    );
  });
  afterAll(() => server?.close());

  it('listens on 127.0.0.1 and serves bytes with the content type browsers need', async () => {
    expect(server.origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const wasm = await fetch(server.url('/ort/runtime.wasm'));
    expect(wasm.headers.get('content-type')).toBe('application/wasm');
    expect(new Uint8Array(await wasm.arrayBuffer())).toEqual(new Uint8Array([0, 97, 115, 109]));
    const script = await fetch(server.url('/app.mjs'));
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(script.headers.get('cross-origin-opener-policy')).toBe('same-origin');
    expect(await script.text()).toBe('export const x = 1;');
  });

  it('reads a lazy file once, answers 404 for unknown paths and records every request', async () => {
    await fetch(server.url('/big.bin'));
    expect(new Uint8Array(await (await fetch(server.url('/big.bin?again'))).arrayBuffer())).toEqual(new Uint8Array([1, 2, 3]));
    expect(lazyReads).toBe(1);
    expect((await fetch(server.url('/missing.js'))).status).toBe(404);
    expect(server.requests).toEqual(expect.arrayContaining(['/big.bin', '/big.bin?again', '/missing.js']));
  });

  it('maps extensions to MIME types', () => {
    expect(staticMimeType('/a/b.js')).toBe('text/javascript; charset=utf-8');
    expect(staticMimeType('/model/onnx/model.onnx')).toBe('application/octet-stream');
    expect(staticMimeType('/v1.2/noextension')).toBe('application/octet-stream');
    expect(staticMimeType('/INDEX.HTML')).toBe('text/html; charset=utf-8');
  });

  it('refuses relative paths', async () => {
    await expect(startStaticServer({ 'index.html': '' })).rejects.toThrow(/start with '\/'/);
  });
});
