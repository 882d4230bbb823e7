import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { build, type Options } from 'tsup';
import { describe, expect, it } from 'vitest';
import configs from '../tsup.config';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const tsc = join(dirname(createRequire(import.meta.url).resolve('typescript/package.json')), 'bin', 'tsc');

function dirname(path: string): string {
  return path.slice(0, path.lastIndexOf('/'));
}

describe('the published declarations', () => {
  it('type check in a consumer with skipLibCheck: false and only @types/node', async () => {
    // Inside the package, so that its dependencies (@tensorflow/tfjs-core, @types/long) resolve as
    // they would from an installed copy.
    await mkdir(join(packageDir, 'node_modules/.cache'), { recursive: true });
    const out = await mkdtemp(join(packageDir, 'node_modules/.cache/dts-check-'));
    try {
      // The Node build's own declaration options (its banner included), into a temporary folder:
      // `pnpm test` builds without declarations.
      const node = (configs as Options[])[0];
      await build({ ...node, entry: ['src/index.ts'], outDir: out, clean: false, sourcemap: false, silent: true, dts: { only: true, banner: '/// <reference types="long" />' } });
      const tsconfig = {
        compilerOptions: {
          strict: true,
          skipLibCheck: false,
          noEmit: true,
          module: 'ESNext',
          moduleResolution: 'Bundler',
          target: 'ES2022',
          lib: ['ES2022', 'DOM'],
          // Node's types only (core's file APIs use them), nothing else ambient.
          types: ['node'],
          // @inseq/core from its sources (its own declarations are checked by its build).
          paths: { '@inseq/backend-tfjs': [join(out, 'index.d.ts')], '@inseq/core': [join(packageDir, '../core/src/index.ts')] },
        },
        files: [join(packageDir, 'test-fixtures/consumer/index.ts')],
      };
      await writeFile(join(out, 'tsconfig.json'), JSON.stringify(tsconfig));
      const result = await promisify(execFile)(process.execPath, [tsc, '-p', join(out, 'tsconfig.json')], { cwd: packageDir }).catch(
        (error: { stdout: string; stderr: string }) => error,
      );
      expect(`${result.stdout}${result.stderr}`).toBe('');
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });
});
