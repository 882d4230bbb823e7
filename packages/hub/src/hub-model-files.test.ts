import { createHash } from 'node:crypto';
import { lstat, mkdtemp, readFile, readdir, readlink, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InseqError } from '@inseq/core';
import { type HubStandIn, createTinyGpt2, startHubStandIn } from '@inseq/testing';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { isolateHubEnvironment } from './hub-test-env.fixture';
import { hubModelFiles } from './hub-model-files';
import type { HubProgress } from './hub-options';

const files = createTinyGpt2().files;
const v2 = { ...files, 'config.json': files['config.json']!.slice() };
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const gitSha1 = (bytes: Uint8Array) => createHash('sha1').update(`blob ${bytes.byteLength}\0`).update(bytes).digest('hex');

async function codeOf(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(() => undefined, (caught: unknown) => caught);
  if (!InseqError.isInstance(error)) throw new Error(`expected an InseqError, got ${String(error)}`);
  return `${error.code}: ${error.message}`;
}

describe('hubModelFiles', () => {
  let hub: HubStandIn;
  let cacheDir: string;
  beforeAll(async () => {
    hub = await startHubStandIn({
      repos: [
        { id: 'org/tiny-gpt2', revisions: { main: files, v2: { ...v2, 'extra.txt': 'v2 only', 'empty.txt': '' } } },
        { id: 'org/gated', gated: true, revisions: { main: files } },
      ],
      tokens: ['hf_granted'],
    });
  });
  afterAll(() => hub.close());
  beforeEach(async () => {
    isolateHubEnvironment();
    cacheDir = await mkdtemp(join(tmpdir(), 'inseq-hub-'));
  });
  afterEach(async () => {
    vi.unstubAllEnvs();
    await rm(cacheDir, { recursive: true, force: true });
  });

  it('downloads the files read into the standard cache layout, then serves them offline', async () => {
    const progress: HubProgress[] = [];
    const online = await hubModelFiles('org/tiny-gpt2', { endpoint: hub.endpoint, cacheDir, onProgress: (p) => progress.push(p) });
    const commit = hub.commitOf('org/tiny-gpt2');
    expect(online.commit).toBe(commit);
    expect(await online.list!()).toEqual(Object.keys(files).sort());
    expect(await online.read('config.json')).toEqual(files['config.json']);
    expect(await online.read('model.safetensors')).toEqual(files['model.safetensors']);
    // Only what was read was downloaded.
    expect(hub.downloadsOf('tokenizer.json')).toHaveLength(0);

    const repo = join(cacheDir, 'models--org--tiny-gpt2');
    expect((await readFile(join(repo, 'refs', 'main'), 'utf8'))).toBe(commit);
    const pointer = join(repo, 'snapshots', commit, 'model.safetensors');
    expect((await lstat(pointer)).isSymbolicLink()).toBe(true);
    expect(await readlink(pointer)).toBe(join('..', '..', 'blobs', sha256(files['model.safetensors']!)));
    expect(await readlink(join(repo, 'snapshots', commit, 'config.json'))).toBe(join('..', '..', 'blobs', gitSha1(files['config.json']!)));
    expect((await readdir(join(repo, 'blobs'))).sort()).toEqual([gitSha1(files['config.json']!), sha256(files['model.safetensors']!)].sort());
    const last = progress.filter((p) => p.file === 'model.safetensors').at(-1)!;
    expect(last).toMatchObject({ loaded: files['model.safetensors']!.byteLength, total: files['model.safetensors']!.byteLength, done: true });

    const before = hub.requests.length;
    const offline = await hubModelFiles('org/tiny-gpt2', { endpoint: hub.endpoint, cacheDir, offline: true });
    expect(offline.commit).toBe(commit);
    expect(await offline.list!()).toEqual(['config.json', 'model.safetensors']);
    expect(await offline.read('model.safetensors')).toEqual(files['model.safetensors']);
    expect(await offline.localPath!('config.json')).toBe(join(repo, 'snapshots', commit, 'config.json'));
    expect(await offline.has('tokenizer.json')).toBe(false);
    const missing = await codeOf(offline.read('tokenizer.json'));
    expect(missing).toMatch(/^NOT_IN_CACHE: .*lacks tokenizer\.json in the cache .*models--org--tiny-gpt2/);
    expect(offline.missingFiles()).toEqual(['tokenizer.json']);
    expect(hub.requests.length).toBe(before);
  });

  it('reads HF_HUB_OFFLINE, HF_ENDPOINT and HF_HUB_CACHE from the environment; options win', async () => {
    vi.stubEnv('HF_ENDPOINT', `${hub.endpoint}/`);
    vi.stubEnv('HF_HUB_CACHE', cacheDir);
    const online = await hubModelFiles('org/tiny-gpt2');
    await online.read('config.json');
    vi.stubEnv('HF_HUB_OFFLINE', '1');
    const before = hub.requests.length;
    const offline = await hubModelFiles('org/tiny-gpt2');
    expect(offline.offline).toBe(true);
    expect(await offline.read('config.json')).toEqual(files['config.json']);
    expect(hub.requests.length).toBe(before);
    expect((await hubModelFiles('org/tiny-gpt2', { offline: false })).offline).toBe(false);
  });

  it('does not download a blob again: a second online load, and another revision sharing it', async () => {
    const before = hub.downloadsOf('model.safetensors', 'org/tiny-gpt2').length;
    const first = await hubModelFiles('org/tiny-gpt2', { endpoint: hub.endpoint, cacheDir });
    await first.read('model.safetensors');
    const second = await hubModelFiles('org/tiny-gpt2', { endpoint: hub.endpoint, cacheDir });
    await second.read('model.safetensors');
    const other = await hubModelFiles('org/tiny-gpt2@v2', { endpoint: hub.endpoint, cacheDir });
    expect(await other.read('model.safetensors')).toEqual(files['model.safetensors']);
    expect(hub.downloadsOf('model.safetensors', 'org/tiny-gpt2')).toHaveLength(before + 1);
    expect(await readFile(join(cacheDir, 'models--org--tiny-gpt2', 'refs', 'v2'), 'utf8')).toBe(hub.commitOf('org/tiny-gpt2', 'v2'));
  });

  it('takes a revision by commit sha, also offline without refs', async () => {
    const commit = hub.commitOf('org/tiny-gpt2', 'v2');
    const byCommit = await hubModelFiles('org/tiny-gpt2', { endpoint: hub.endpoint, cacheDir, revision: commit });
    expect(byCommit.commit).toBe(commit);
    expect(new TextDecoder().decode(await byCommit.read('extra.txt'))).toBe('v2 only');
    expect(await byCommit.read('empty.txt')).toEqual(new Uint8Array());
    // No ref is written for a sha.
    expect(await readdir(join(cacheDir, 'models--org--tiny-gpt2', 'refs')).catch(() => [])).toEqual([]);
    const offline = await hubModelFiles(`org/tiny-gpt2@${commit}`, { endpoint: hub.endpoint, cacheDir, offline: true });
    expect(await offline.list!()).toEqual(['empty.txt', 'extra.txt']);
    expect(await codeOf(hubModelFiles('org/tiny-gpt2@v2', { endpoint: hub.endpoint, cacheDir, offline: true }))).toMatch(
      /^NOT_IN_CACHE: .*org\/tiny-gpt2@v2 was never resolved.*no refs\/v2/,
    );
  });

  it('gated: 401 without a token names HF_TOKEN; a token with access succeeds; HF_TOKEN is read', async () => {
    const anonymous = await hubModelFiles('org/gated', { endpoint: hub.endpoint, cacheDir });
    expect(await anonymous.has('config.json')).toBe(true);
    expect(await codeOf(anonymous.read('config.json'))).toMatch(/^HUB_UNAUTHORIZED: org\/gated is gated or private \(HTTP 401\): set HF_TOKEN/);
    const wrong = await hubModelFiles('org/gated', { endpoint: hub.endpoint, cacheDir, token: 'hf_other' });
    expect(await codeOf(wrong.read('config.json'))).toMatch(/^HUB_UNAUTHORIZED: .*token given has no access.*HTTP 403/);
    const granted = await hubModelFiles('org/gated', { endpoint: hub.endpoint, cacheDir, token: 'hf_granted' });
    expect(await granted.read('config.json')).toEqual(files['config.json']);
    vi.stubEnv('HF_TOKEN', 'hf_granted');
    const fromEnv = await hubModelFiles('org/gated', { endpoint: hub.endpoint, cacheDir });
    expect(await fromEnv.read('model.safetensors')).toEqual(files['model.safetensors']);
    expect(await codeOf(hubModelFiles('org/gated', { endpoint: hub.endpoint, token: 'abc' }))).toMatch(/^INVALID_ARGUMENT: .*must start with 'hf_'/);
  });

  it('unknown repo, revision and file are HUB_NOT_FOUND naming what is missing', async () => {
    expect(await codeOf(hubModelFiles('org/nope', { endpoint: hub.endpoint, cacheDir }))).toMatch(/^HUB_NOT_FOUND: No such repo 'org\/nope'/);
    expect(await codeOf(hubModelFiles('org/tiny-gpt2@nope', { endpoint: hub.endpoint, cacheDir }))).toMatch(
      /^HUB_NOT_FOUND: No such revision 'nope' in org\/tiny-gpt2/,
    );
    const model = await hubModelFiles('org/tiny-gpt2', { endpoint: hub.endpoint, cacheDir });
    expect(await model.has('pytorch_model.bin')).toBe(false);
    expect(await codeOf(model.read('pytorch_model.bin'))).toMatch(/^HUB_NOT_FOUND: No such file 'pytorch_model.bin' in org\/tiny-gpt2@main.*config\.json/);
    expect(await codeOf(hubModelFiles('./not/a/hub/id', { endpoint: hub.endpoint }))).toMatch(/^INVALID_ARGUMENT: .*not a Hugging Face Hub model id/);
  });

  it('falls back to the cache when the Hub cannot be reached', async () => {
    await (await hubModelFiles('org/tiny-gpt2', { endpoint: hub.endpoint, cacheDir })).read('config.json');
    const unreachable = 'http://127.0.0.1:9';
    const files2 = await hubModelFiles('org/tiny-gpt2', { endpoint: unreachable, cacheDir });
    expect(files2.offline).toBe(true);
    expect(await files2.read('config.json')).toEqual(files['config.json']);
    expect(await codeOf(hubModelFiles('org/other', { endpoint: unreachable, cacheDir }))).toMatch(/^DOWNLOAD_FAILED: Could not download org\/other@main from http:\/\/127\.0\.0\.1:9/);
  });
});
