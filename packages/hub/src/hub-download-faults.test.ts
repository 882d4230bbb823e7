import { createHash } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InseqError } from '@inseq/core';
import { createTinyGpt2, startHubStandIn } from '@inseq/testing';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { hubModelFiles } from './hub-model-files';
import { isolateHubEnvironment } from './hub-test-env.fixture';

const files = createTinyGpt2().files;
const weights = files['model.safetensors']!;

async function failure(promise: Promise<unknown>): Promise<InseqError> {
  const error = await promise.then(() => undefined, (caught: unknown) => caught);
  if (!InseqError.isInstance(error)) throw new Error(`expected an InseqError, got ${String(error)}`);
  return error;
}

const listing = async (folder: string) => (await readdir(folder, { recursive: true }).catch(() => [])).sort();

describe('hubModelFiles with a failing connection', () => {
  let cacheDir: string;
  beforeEach(async () => {
    isolateHubEnvironment();
    cacheDir = await mkdtemp(join(tmpdir(), 'inseq-hub-faults-'));
  });
  afterEach(async () => {
    vi.unstubAllEnvs();
    await rm(cacheDir, { recursive: true, force: true });
  });

  it('a connection dropped mid-file leaves nothing in the snapshot; the next run resumes with Range', async () => {
    const hub = await startHubStandIn({
      repos: [{ id: 'org/tiny-gpt2', revisions: { main: files } }],
      faults: [{ repo: 'org/tiny-gpt2', path: 'model.safetensors', kind: 'drop', times: 1 }],
    });
    try {
      const repo = join(cacheDir, 'models--org--tiny-gpt2');
      const commit = hub.commitOf('org/tiny-gpt2');
      const first = await hubModelFiles('org/tiny-gpt2', { endpoint: hub.endpoint, cacheDir });
      const error = await failure(first.read('model.safetensors'));
      expect(error.code).toBe('DOWNLOAD_FAILED');
      expect(error.message).toMatch(/Could not download 'model\.safetensors' of org\/tiny-gpt2@main from http:\/\/127\.0\.0\.1:\d+.*run again to resume/);
      expect(await listing(join(repo, 'snapshots'))).toEqual([]);
      const blobs = await listing(join(repo, 'blobs'));
      expect(blobs).toHaveLength(1);
      expect(blobs[0]).toMatch(/^[0-9a-f]{64}\.incomplete$/);
      const partial = (await stat(join(repo, 'blobs', blobs[0]!))).size;
      expect(partial).toBeGreaterThan(0);
      expect(partial).toBeLessThan(weights.byteLength);

      const second = await hubModelFiles('org/tiny-gpt2', { endpoint: hub.endpoint, cacheDir });
      expect(await second.read('model.safetensors')).toEqual(weights);
      expect(hub.downloadsOf('model.safetensors').map((request) => request.range)).toEqual([undefined, `bytes=${partial}-${weights.byteLength - 1}`]);
      expect(await listing(join(repo, 'snapshots', commit))).toEqual(['model.safetensors']);
      expect((await listing(join(repo, 'blobs'))).some((name) => name.endsWith('.incomplete'))).toBe(false);
    } finally {
      await hub.close();
    }
  });

  it('corrupted bytes fail the sha256 check and cache nothing; a clean rerun succeeds', async () => {
    const hub = await startHubStandIn({
      repos: [{ id: 'org/tiny-gpt2', revisions: { main: files } }],
      faults: [
        { repo: 'org/tiny-gpt2', path: 'model.safetensors', kind: 'corrupt', times: 1 },
        { repo: 'org/tiny-gpt2', path: 'config.json', kind: 'corrupt', times: 1 },
      ],
    });
    try {
      const repo = join(cacheDir, 'models--org--tiny-gpt2');
      const first = await hubModelFiles('org/tiny-gpt2', { endpoint: hub.endpoint, cacheDir });
      const lfs = await failure(first.read('model.safetensors'));
      expect(lfs.code).toBe('CHECKSUM_MISMATCH');
      expect(lfs.message).toMatch(/'model\.safetensors' of org\/tiny-gpt2 does not match the Hub's sha256 \(expected [0-9a-f]{64}, got [0-9a-f]{64}\).*Nothing was cached/);
      // Plain (non-LFS) files are checked against their git blob sha1.
      expect((await failure(first.read('config.json'))).message).toMatch(/does not match the Hub's git-sha1/);
      expect(await listing(join(repo, 'blobs'))).toEqual([]);
      expect(await listing(join(repo, 'snapshots'))).toEqual([]);
      expect(await first.read('model.safetensors')).toEqual(weights);
      expect(await first.read('config.json')).toEqual(files['config.json']);
    } finally {
      await hub.close();
    }
  });
});

describe('hubModelFiles downloading the same file from two loaders at once', () => {
  it('caches exactly the Hub bytes, and resumes the partial file an ended process left', async () => {
    isolateHubEnvironment();
    const cacheDir = await mkdtemp(join(tmpdir(), 'inseq-hub-race-'));
    const big = new Uint8Array(8 * 1024 * 1024).map((_, i) => (i * 131) & 255);
    const hub = await startHubStandIn({ repos: [{ id: 'org/big', revisions: { main: { 'model.safetensors': big, 'b.safetensors': big.subarray(1) } } }] });
    try {
      const open = () => hubModelFiles('org/big', { endpoint: hub.endpoint, cacheDir });
      const [a, b] = await Promise.all([open(), open()]);
      const [bytesA, bytesB] = await Promise.all([a.read('model.safetensors'), b.read('model.safetensors')]);
      expect(Buffer.compare(bytesA, big)).toBe(0);
      expect(Buffer.compare(bytesB, big)).toBe(0);
      const blob = join(cacheDir, 'models--org--big', 'blobs', createHash('sha256').update(big).digest('hex'));
      expect(createHash('sha256').update(await readFile(blob)).digest('hex')).toBe(createHash('sha256').update(big).digest('hex'));
      expect((await readdir(join(cacheDir, 'models--org--big', 'blobs'))).filter((name) => name.includes('incomplete'))).toEqual([]);

      // A process that ended mid-download (no such pid) left its private partial file: it is resumed.
      const other = big.subarray(1);
      const otherBlob = join(cacheDir, 'models--org--big', 'blobs', createHash('sha256').update(other).digest('hex'));
      await writeFile(`${otherBlob}.999999999-dead.incomplete`, other.subarray(0, 1000));
      expect(Buffer.compare(await (await open()).read('b.safetensors'), other)).toBe(0);
      expect(hub.downloadsOf('b.safetensors').map((request) => request.range)).toEqual([`bytes=1000-${other.byteLength - 1}`]);
    } finally {
      vi.unstubAllEnvs();
      await hub.close();
      await rm(cacheDir, { recursive: true, force: true });
    }
  });
});
