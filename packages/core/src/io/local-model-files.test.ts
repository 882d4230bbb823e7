import { mkdtemp, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { memoryModelFiles } from '../contracts/model-files';
import { localModelFiles } from './local-model-files';

describe('localModelFiles', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it('lists nested files with / separators, follows symlinks (the Hub cache layout) and gives local paths', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'inseq-files-'));
    dirs.push(dir);
    await mkdir(join(dir, 'onnx'));
    await mkdir(join(dir, 'blobs'));
    await writeFile(join(dir, 'config.json'), '{}');
    await writeFile(join(dir, 'blobs', 'abc'), 'weights');
    await symlink(join(dir, 'blobs', 'abc'), join(dir, 'onnx', 'model.onnx'));
    const files = await localModelFiles(dir);
    expect(await files.list?.()).toEqual(['blobs/abc', 'config.json', 'onnx/model.onnx']);
    expect(await files.has('onnx/model.onnx')).toBe(true);
    expect(new TextDecoder().decode(await files.read('onnx/model.onnx'))).toBe('weights');
    expect(await files.localPath?.('onnx/model.onnx')).toBe(join(dir, 'onnx', 'model.onnx'));
    expect(await files.localPath?.('missing.bin')).toBeUndefined();
    expect(await files.has('onnx')).toBe(false);
  });

  it('memoryModelFiles lists its entries and has no local paths', async () => {
    const files = memoryModelFiles({ 'b.json': '{}', 'a.json': '{}' });
    expect(await files.list?.()).toEqual(['a.json', 'b.json']);
    expect(files.localPath).toBeUndefined();
  });
});
