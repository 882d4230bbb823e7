import { spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../', import.meta.url));

describe("the README's library snippet", () => {
  it('is examples/library/snippet.mjs, word for word, and runs from the repository root as `pnpm example:library` does', async () => {
    const readme = await readFile(`${root}README.md`, 'utf8');
    const block = /```ts\n(import \{ attribute, loadModel[^\n]* from 'inseq';\n[\s\S]*?)```/.exec(readme)?.[1];
    expect(block, 'README.md has a ```ts block importing attribute and loadModel from inseq').toBeDefined();
    const file = await readFile(`${root}examples/library/snippet.mjs`, 'utf8');
    expect(file.replace(/^(\/\/[^\n]*\n)+/, '')).toBe(block);
    const script: string = JSON.parse(await readFile(`${root}package.json`, 'utf8')).scripts['example:library'];
    expect(script).toMatch(/&& node examples\/library\/snippet\.mjs$/);
    // `inseq`'s dist is built before the CLI's tests (turbo: @inseq/cli#test depends on ^build).
    const result = spawnSync(process.execPath, ['examples/library/snippet.mjs'], { cwd: root, encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^Sequence 1 of 1\n[\s\S]* France [\s\S]* Paris/);
  });
});
