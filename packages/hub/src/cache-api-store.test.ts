import { createHash } from 'node:crypto';
import { InseqError } from '@inseq/core';
import { describe, expect, it } from 'vitest';
import { cacheApiStore } from './cache-api-store';
import type { HubDownloadTarget } from './hub-file-store';

// Node has no Cache API, so this runs the store's in-memory fallback; the real Cache API is
// exercised by the web app's Chromium test. The checks (size, sha256, git blob sha1) are the same code.
const bytes = new TextEncoder().encode('{"model_type":"gpt2"}');
const streamOf = (data: Uint8Array) =>
  new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(data.subarray(0, 5));
      controller.enqueue(data.subarray(5));
      controller.close();
    },
  });
const target = (algorithm: HubDownloadTarget['algorithm'], path: string): HubDownloadTarget => ({
  repoId: 'org/m',
  commit: 'c'.repeat(40),
  path,
  size: bytes.byteLength,
  algorithm,
  etag:
    algorithm === 'sha256'
      ? createHash('sha256').update(bytes).digest('hex')
      : createHash('sha1').update(`blob ${bytes.byteLength}\0`).update(bytes).digest('hex'),
});

describe('cacheApiStore', () => {
  it('keeps a verified file under its commit URL, and the branch ref', async () => {
    const store = cacheApiStore('org/m', 'http://127.0.0.1:1');
    const loaded: number[] = [];
    await store.saveDownload(target('git-sha1', 'config.json'), () => streamOf(bytes), (n) => loaded.push(n));
    await store.saveDownload(target('sha256', 'onnx/model.onnx'), () => streamOf(bytes), () => {});
    expect(loaded.at(-1)).toBe(bytes.byteLength);
    expect(await store.read('c'.repeat(40), 'config.json')).toEqual(bytes);
    expect(await store.listSnapshot('c'.repeat(40))).toEqual(['config.json', 'onnx/model.onnx']);
    expect(await store.localPath('c'.repeat(40), 'config.json')).toBeUndefined();
    await store.writeRef('main', 'c'.repeat(40));
    expect(await store.readRef('main')).toBe('c'.repeat(40));
    expect(await store.readRef('dev')).toBeUndefined();
  });

  it('puts nothing in the cache when the bytes do not match', async () => {
    const store = cacheApiStore('org/m', 'http://127.0.0.1:1');
    const corrupted = bytes.slice();
    corrupted[3]! ^= 1;
    for (const algorithm of ['sha256', 'git-sha1'] as const) {
      const error = await store.saveDownload(target(algorithm, 'x.bin'), () => streamOf(corrupted), () => {}).catch((caught: unknown) => caught);
      expect(InseqError.isInstance(error) && error.code).toBe('CHECKSUM_MISMATCH');
    }
    const short = await store.saveDownload(target('sha256', 'x.bin'), () => streamOf(bytes.subarray(0, 4)), () => {}).catch((caught: unknown) => caught);
    expect(InseqError.isInstance(short) && short.code).toBe('DOWNLOAD_FAILED');
    expect(await store.listSnapshot('c'.repeat(40))).toEqual([]);
  });
});
