import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createTinyGpt2 } from './create-tiny-gpt2';
import { writeTinyGpt2 } from './write-tiny-gpt2';

describe('writeTinyGpt2', () => {
  const created: string[] = [];
  afterAll(async () => {
    for (const directory of created) await rm(directory, { recursive: true, force: true });
  });

  it('creates missing parent folders and writes the generated files', async () => {
    const root = await mkdtemp(join(tmpdir(), 'inseq-testing-'));
    created.push(root);
    const directory = join(root, 'a', 'b', 'tiny');
    await writeTinyGpt2(directory, { seed: 5, merges: 20 });
    const expected = createTinyGpt2({ seed: 5, merges: 20 }).files;
    expect((await readdir(directory)).sort()).toEqual(Object.keys(expected).sort());
    for (const [name, bytes] of Object.entries(expected)) {
      expect((await readFile(join(directory, name))).equals(Buffer.from(bytes))).toBe(true);
    }
  });
});
