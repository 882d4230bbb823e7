import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type HubStandIn, startHubStandIn } from '@inseq/testing';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readExamples, resolveDataset } from './load-dataset';

const parquet = (texts: string[]) => new Uint8Array(parquetWriteBuffer({ columnData: [{ name: 'sentence', data: texts, type: 'STRING' }] }));
const collect = async <T>(items: AsyncIterable<T>) => {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
};

describe('Hub dataset ids', () => {
  let hub: HubStandIn;
  beforeAll(async () => {
    hub = await startHubStandIn({
      repos: [
        {
          id: 'org/sentences',
          type: 'dataset',
          revisions: {
            main: {
              'README.md': '---\nconfigs:\n- config_name: default\n  data_files:\n  - split: train\n    path: data/train-*\n  - split: test\n    path: data/test-*\n---\n',
              'data/train-00000-of-00001.parquet': parquet(['hub a', 'hub b']),
              'data/test-00000-of-00001.parquet': parquet(['hub t']),
            },
          },
        },
        // A model with the same id must not be what a dataset id reads.
        { id: 'org/sentences', revisions: { main: { 'config.json': '{}' } } },
      ],
    });
  });
  afterAll(() => hub.close());

  it('downloads the split files through /api/datasets and /datasets/…/resolve into datasets--org--name', async () => {
    const cacheDir = mkdtempSync(join(tmpdir(), 'inseq-ds-hub-'));
    const dataset = await resolveDataset({ name: 'org/sentences', split: 'test', inputTextField: 'sentence', hub: { endpoint: hub.endpoint, cacheDir, offline: false } });
    expect((await collect(readExamples(dataset))).map((e) => e.inputText)).toEqual(['hub t']);
    expect(dataset.files[0]).toContain(join(cacheDir, 'datasets--org--sentences', 'snapshots'));
    expect(existsSync(join(cacheDir, 'datasets--org--sentences', 'snapshots', hub.commitOf('datasets/org/sentences'), 'data', 'train-00000-of-00001.parquet'))).toBe(false);
    const urls = hub.requests.map((request) => request.url);
    expect(urls.some((url) => url.startsWith('/api/datasets/org/sentences/revision/main'))).toBe(true);
    expect(urls.some((url) => url.startsWith('/datasets/org/sentences/resolve/'))).toBe(true);
    expect(urls.some((url) => url.startsWith('/api/models/'))).toBe(false);

    const train = await resolveDataset({ name: 'org/sentences', inputTextField: 'sentence', hub: { endpoint: hub.endpoint, cacheDir, offline: false } });
    expect((await collect(readExamples(train))).map((e) => [e.index, e.inputText])).toEqual([[0, 'hub a'], [1, 'hub b']]);
    expect(train.fingerprint).not.toBe(dataset.fingerprint);
  });

  it('names a missing Hub dataset', async () => {
    const cacheDir = mkdtempSync(join(tmpdir(), 'inseq-ds-hub-'));
    await expect(resolveDataset({ name: 'org/missing', hub: { endpoint: hub.endpoint, cacheDir, offline: false } })).rejects.toThrow(/org\/missing/);
  });
});
