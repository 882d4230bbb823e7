import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ortBackendLoader } from '@inseq/backend-ort';
import { tfjsBackendLoader } from '@inseq/backend-tfjs';
import { type BackendLoader, InseqError, createRegistry } from '@inseq/core';
import { type HubStandIn, createTinyGpt2, startHubStandIn, tinyGpt2OnnxFiles, writeTinyGpt2 } from '@inseq/testing';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { attribute } from './attribute';
import { loadModel } from './load-model';

const tfjsOnly = () => createRegistry<BackendLoader>('backend').register(tfjsBackendLoader);
const both = () => createRegistry<BackendLoader>('backend').register(tfjsBackendLoader).register(ortBackendLoader);

async function failure(promise: Promise<unknown>): Promise<InseqError> {
  const error = await promise.then(() => undefined, (caught: unknown) => caught);
  if (!InseqError.isInstance(error)) throw new Error(`expected an InseqError, got ${String(error)}`);
  return error;
}

describe('loadModel with a Hugging Face Hub id', () => {
  let hub: HubStandIn;
  let cacheDir: string;
  beforeAll(async () => {
    hub = await startHubStandIn({
      repos: [
        { id: 'org/tiny-gpt2', revisions: { main: createTinyGpt2().files } },
        { id: 'org/tiny-gpt2-onnx', revisions: { main: tinyGpt2OnnxFiles({ onnxDtypes: ['fp32', 'q8'] }) } },
      ],
    });
  });
  afterAll(() => hub.close());
  beforeEach(async () => {
    // The developer's own HF_TOKEN / HF_HUB_OFFLINE must not change what the tests see.
    vi.stubEnv('HF_TOKEN', undefined);
    vi.stubEnv('HF_TOKEN_PATH', '/nonexistent/inseq-test-token');
    vi.stubEnv('HF_HUB_OFFLINE', undefined);
    cacheDir = await mkdtemp(join(tmpdir(), 'inseq-hub-load-'));
  });
  afterEach(async () => {
    vi.unstubAllEnvs();
    await rm(cacheDir, { recursive: true, force: true });
  });

  it('attributes exactly as the same folder loaded locally', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'inseq-local-'));
    try {
      await writeTinyGpt2(folder);
      const local = await loadModel(folder, { backends: tfjsOnly() });
      const remote = await loadModel('org/tiny-gpt2', { backends: tfjsOnly(), hub: { endpoint: hub.endpoint, cacheDir } });
      expect(remote.name).toBe('org/tiny-gpt2');
      const options = { method: 'saliency', generatedTexts: 'The cat sat on the mat', stepScores: ['probability'] };
      const [a, b] = [await attribute(local, 'The cat sat', options), await attribute(remote, 'The cat sat', options)];
      const scores = (out: typeof a) => out.sequence_attributions.map((s) => [...(s.target_attributions?.data ?? []), ...(s.step_scores.probability?.data ?? [])]);
      expect(scores(b)).toEqual(scores(a));
      expect(scores(a)[0]!.length).toBeGreaterThan(0);
      await local.backend.dispose();
      await remote.backend.dispose();
      // A second online load asks the Hub for the revision and listing only: no file is downloaded again.
      const downloads = hub.requests.filter((request) => request.url.includes('/resolve/')).length;
      const again = await loadModel('org/tiny-gpt2', { backends: tfjsOnly(), hub: { endpoint: hub.endpoint, cacheDir } });
      await again.backend.dispose();
      expect(hub.requests.filter((request) => request.url.includes('/resolve/')).length).toBe(downloads);
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });

  it('downloads only the ONNX variant of the dtype asked for; offline reuses it and names what else is missing', async () => {
    const model = await loadModel('org/tiny-gpt2-onnx', { backends: both(), dtype: 'q8', hub: { endpoint: hub.endpoint, cacheDir } });
    expect(model.backend.name).toBe('ort');
    await model.backend.dispose();
    expect(hub.downloadsOf('onnx/model_quantized.onnx', 'org/tiny-gpt2-onnx')).toHaveLength(1);
    expect(hub.downloadsOf('onnx/model.onnx', 'org/tiny-gpt2-onnx')).toHaveLength(0);
    const commit = hub.commitOf('org/tiny-gpt2-onnx');
    const snapshot = (await readdir(join(cacheDir, 'models--org--tiny-gpt2-onnx', 'snapshots', commit), { recursive: true })).sort();
    expect(snapshot).not.toContain(join('onnx', 'model.onnx'));
    expect(snapshot).toContain(join('onnx', 'model_quantized.onnx'));

    const requests = hub.requests.length;
    const again = await loadModel('org/tiny-gpt2-onnx', { backends: both(), dtype: 'q8', hub: { endpoint: hub.endpoint, cacheDir, offline: true } });
    await again.backend.dispose();
    expect(hub.requests.length).toBe(requests);
    const error = await failure(loadModel('org/tiny-gpt2-onnx', { backends: both(), dtype: 'fp32', hub: { endpoint: hub.endpoint, cacheDir, offline: true } }));
    expect(error.code).toBe('NOT_IN_CACHE');
    expect(error.message).toMatch(/Offline \(HF_HUB_OFFLINE=1\): org\/tiny-gpt2-onnx@main .*models--org--tiny-gpt2-onnx.*not cached: .*onnx\/model\.onnx/);
    expect(hub.requests.length).toBe(requests);
  });

  it('takes the revision as an option or after @, and a local folder of the same name wins', async () => {
    const commit = hub.commitOf('org/tiny-gpt2');
    const bySha = await loadModel(`org/tiny-gpt2@${commit}`, { backends: tfjsOnly(), hub: { endpoint: hub.endpoint, cacheDir } });
    await bySha.backend.dispose();
    const byOption = await loadModel('org/tiny-gpt2', { backends: tfjsOnly(), revision: commit, hub: { endpoint: hub.endpoint, cacheDir, offline: true } });
    await byOption.backend.dispose();
    const missing = await failure(loadModel('org/tiny-gpt2@v9', { backends: tfjsOnly(), hub: { endpoint: hub.endpoint, cacheDir } }));
    expect(missing.message).toMatch(/No such revision 'v9' in org\/tiny-gpt2/);

    // A relative folder spelled like a Hub id, under the working directory, is read from disk.
    const root = `hubtest-${process.pid}-${Date.now()}`;
    try {
      await mkdir(join(root, 'tiny-gpt2'), { recursive: true });
      await writeTinyGpt2(join(root, 'tiny-gpt2'));
      const before = hub.requests.length;
      const local = await loadModel(`${root}/tiny-gpt2`, { backends: tfjsOnly(), hub: { endpoint: hub.endpoint, cacheDir } });
      expect(local.name).toBe('tiny-gpt2');
      await local.backend.dispose();
      expect(hub.requests.length).toBe(before);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
    const unknown = await failure(loadModel('org/nothing-here', { backends: tfjsOnly(), hub: { endpoint: hub.endpoint, cacheDir } }));
    expect(unknown.code).toBe('HUB_NOT_FOUND');
    expect(unknown.message).toMatch(/No such repo 'org\/nothing-here'.*or give a local folder that exists/);
  });
});
