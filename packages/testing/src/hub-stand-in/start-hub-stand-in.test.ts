import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HubStandIn } from './hub-stand-in-options';
import { startHubStandIn } from './start-hub-stand-in';

const weights = new Uint8Array(1000).map((_, i) => (i * 7) % 256);

describe('startHubStandIn', () => {
  let hub: HubStandIn;
  beforeAll(async () => {
    hub = await startHubStandIn({
      repos: [
        { id: 'org/model', revisions: { main: { 'config.json': '{"a":1}', 'onnx/model.onnx': weights }, v1: { 'config.json': '{}' } } },
        { id: 'org/gated', gated: true, revisions: { main: { 'config.json': '{}' } } },
      ],
      tokens: ['hf_good'],
      faults: [{ repo: 'org/model', path: 'onnx/model.onnx', kind: 'corrupt', times: 1 }],
    });
  });
  afterAll(() => hub.close());

  it('answers revision info with the commit sha, derived from the content', async () => {
    const info = (await (await fetch(`${hub.endpoint}/api/models/org/model/revision/main?expand=sha`)).json()) as { sha: string };
    expect(info.sha).toBe(hub.commitOf('org/model'));
    expect(info.sha).toMatch(/^[0-9a-f]{40}$/);
    expect(hub.commitOf('org/model', 'v1')).not.toBe(info.sha);
  });

  it('lists the tree with git oids and LFS sha256, recursively', async () => {
    const tree = (await (await fetch(`${hub.endpoint}/api/models/org/model/tree/main?recursive=true`)).json()) as Record<string, unknown>[];
    const config = tree.find((entry) => entry.path === 'config.json')!;
    expect(config.oid).toBe(createHash('sha1').update('blob 7\0{"a":1}').digest('hex'));
    expect(config.lfs).toBeUndefined();
    const model = tree.find((entry) => entry.path === 'onnx/model.onnx')!;
    expect((model.lfs as { oid: string }).oid).toBe(createHash('sha256').update(weights).digest('hex'));
    expect(tree.find((entry) => entry.path === 'onnx')?.type).toBe('directory');
  });

  it('resolves files with Hub headers and honours Range; corrupts once when asked', async () => {
    const sha256 = createHash('sha256').update(weights).digest('hex');
    const url = `${hub.endpoint}/org/model/resolve/main/onnx/model.onnx`;
    const corrupted = await fetch(url);
    expect(corrupted.headers.get('x-linked-etag')).toBe(`"${sha256}"`);
    expect(corrupted.headers.get('x-repo-commit')).toBe(hub.commitOf('org/model'));
    const bad = new Uint8Array(await corrupted.arrayBuffer());
    expect(bad.byteLength).toBe(1000);
    expect(createHash('sha256').update(bad).digest('hex')).not.toBe(sha256);
    const part = await fetch(url, { headers: { Range: 'bytes=10-19' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe('bytes 10-19/1000');
    expect([...new Uint8Array(await part.arrayBuffer())]).toEqual([...weights.subarray(10, 20)]);
    expect(hub.downloadsOf('onnx/model.onnx')).toHaveLength(2);
  });

  it('answers 404 with the Hub error codes and 401/403 for gated files', async () => {
    const code = async (path: string, init?: RequestInit) => {
      const response = await fetch(`${hub.endpoint}${path}`, init);
      return `${response.status} ${response.headers.get('x-error-code')}`;
    };
    expect(await code('/api/models/org/nope/revision/main')).toBe('404 RepoNotFound');
    expect(await code('/api/models/org/model/revision/nope')).toBe('404 RevisionNotFound');
    expect(await code('/org/model/resolve/main/nope.json')).toBe('404 EntryNotFound');
    expect(await code('/api/models/org/gated/revision/main')).toBe('200 null');
    expect(await code('/org/gated/resolve/main/config.json')).toBe('401 GatedRepo');
    expect(await code('/org/gated/resolve/main/config.json', { headers: { Authorization: 'Bearer hf_bad' } })).toBe('403 GatedRepo');
    expect(await code('/org/gated/resolve/main/config.json', { headers: { Authorization: 'Bearer hf_good' } })).toBe('200 null');
  });

  it('drops the connection mid-file', async () => {
    const dropping = await startHubStandIn({
      repos: [{ id: 'org/model', revisions: { main: { 'model.safetensors': weights } } }],
      faults: [{ repo: 'org/model', path: 'model.safetensors', kind: 'drop' }],
    });
    try {
      const response = await fetch(`${dropping.endpoint}/org/model/resolve/main/model.safetensors`);
      expect(response.headers.get('content-length')).toBe('1000');
      await expect(response.arrayBuffer()).rejects.toThrow();
    } finally {
      await dropping.close();
    }
  });
});
