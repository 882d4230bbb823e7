import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createDefaultRegistries } from 'inseq';
import { describe, expect, it } from 'vitest';
import { useColour } from './colour';
import { defaultModelPath, requireModelPath } from './default-model-path';
import { loadPlugins } from './load-plugins';
import { runCaptured } from './run-captured.test-support';

const manifest = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

describe('inseq --version', () => {
  it.each(['--version', '-V'])('%s prints the package version and exits 0', async (flag) => {
    expect(await runCaptured(flag)).toEqual({ code: 0, stdout: `${manifest.version}\n`, stderr: '' });
  });
  it('reads it from the package.json beside dist/ (as in a global install), run from another folder', () => {
    // turbo.json builds the CLI before its tests (@inseq/cli#test depends on its own build).
    const bin = fileURLToPath(new URL('../dist/bin.js', import.meta.url));
    const result = spawnSync(process.execPath, [bin, '--version'], { cwd: tmpdir(), encoding: 'utf8' });
    expect([result.status, result.stdout, result.stderr]).toEqual([0, `${manifest.version}\n`, '']);
  });
});

describe('a mistyped flag', () => {
  it('suggests the closest right one', async () => {
    const { code, stderr } = await runCaptured('attribute', '--atribution-method', 'x', '-i', 'Hello');
    expect(code).toBe(2);
    expect(stderr).toContain("error: unknown option '--atribution-method'");
    expect(stderr).toContain('(Did you mean --attribution-method?)');
  });
});

describe('default model', () => {
  it('is absent outside a clone of the repository, and the error points to -m', async () => {
    const outside = await mkdtemp(join(tmpdir(), 'inseq-no-model-'));
    const saved = process.env.INSEQ_DEFAULT_MODEL;
    delete process.env.INSEQ_DEFAULT_MODEL;
    try {
      expect(defaultModelPath(outside)).toBeUndefined();
      expect(() => requireModelPath(undefined, () => defaultModelPath(outside))).toThrow(
        /^No model given: pass -m <Hub id or model folder>, e\.g\. -m openai-community\/gpt2 .*exists only in a clone of the inseq-ts repository/,
      );
    } finally {
      if (saved !== undefined) process.env.INSEQ_DEFAULT_MODEL = saved;
    }
  });
  it('-m wins over the default, which is found inside the clone', () => {
    expect(requireModelPath('org/name', () => undefined)).toBe('org/name');
    expect(defaultModelPath()).toMatch(/models[\\/]inseq-demo-gpt2$/);
  });
});

describe('colour decision', () => {
  const cases: [string, boolean, boolean | undefined, Record<string, string>, boolean][] = [
    ['a terminal', true, true, {}, true],
    ['a pipe or file', true, undefined, {}, false],
    ['--no-color on a terminal', false, true, {}, false],
    ['NO_COLOR=1 on a terminal', true, true, { NO_COLOR: '1' }, false],
    ['empty NO_COLOR on a terminal', true, true, { NO_COLOR: '' }, true],
    ['FORCE_COLOR=1 into a pipe', true, false, { FORCE_COLOR: '1' }, true],
    ['FORCE_COLOR=1 with NO_COLOR=1', true, false, { FORCE_COLOR: '1', NO_COLOR: '1' }, true],
    ['FORCE_COLOR=0 on a terminal', true, true, { FORCE_COLOR: '0' }, false],
    ['empty FORCE_COLOR into a pipe', true, false, { FORCE_COLOR: '' }, false],
    ['--no-color with FORCE_COLOR=1', false, true, { FORCE_COLOR: '1' }, false],
  ];
  it.each(cases)('%s', (_, flag, isTTY, env, expected) => {
    expect(useColour(flag, { isTTY, env })).toBe(expected);
  });
});

describe('--plugin <package>', () => {
  const plugin = (id: string) =>
    `export default { name: '${id}', register() {} };\n`;

  async function project(exportsField: unknown): Promise<string> {
    const cwd = await mkdtemp(join(tmpdir(), 'inseq-plugin-cwd-'));
    const folder = join(cwd, 'node_modules', 'some-plugin');
    await mkdir(folder, { recursive: true });
    await writeFile(join(folder, 'package.json'), JSON.stringify({ name: 'some-plugin', type: 'module', ...exportsField as object }));
    await writeFile(join(folder, 'index.js'), plugin('from_cwd'));
    return cwd;
  }

  it('resolves from the working directory (main field)', async () => {
    const cwd = await project({ main: 'index.js' });
    expect(await loadPlugins(['some-plugin'], createDefaultRegistries(), cwd)).toEqual(['from_cwd']);
  });
  it('resolves an ESM-only package (exports with import only) from the working directory', async () => {
    const cwd = await project({ exports: { '.': { import: './index.js' } } });
    expect(await loadPlugins(['some-plugin'], createDefaultRegistries(), cwd)).toEqual(['from_cwd']);
  });
  it('names the working directory when the package is not installed there', async () => {
    const cwd = await mkdtemp(join(tmpdir(), 'inseq-plugin-none-'));
    await expect(loadPlugins(['some-plugin'], createDefaultRegistries(), cwd)).rejects.toThrow(
      `Cannot find plugin 'some-plugin': it is neither a file nor a package installed for ${cwd}`,
    );
  });
});
