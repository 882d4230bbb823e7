#!/usr/bin/env node
// `pnpm test`: every check of the repository, on 2 cores in a few minutes.
//   1. `turbo run build` with INSEQ_NO_DTS=1 (esbuild only): the dists that some tests spawn or
//      bundle (the CLI's bin, the web app's Vite build, inseq's backend discovery, browser bundles).
//   2. At the same time: one `vitest run` of every package's tests (vitest.config.ts at the root:
//      one Vite server transforms the workspace sources once, each worker imports them once), and
//      `turbo run typecheck:repo lint:repo` (one tsc over all sources, one biome lint).
// Exit status: non-zero when any step failed; each step's failure is named at the end.
// `pnpm --filter <package> test` still runs one package alone.
import { spawn } from 'node:child_process';

const env = { ...process.env, INSEQ_NO_DTS: '1', TURBO_TELEMETRY_DISABLED: '1' };

function run(name, command, args) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: 'inherit', env });
    child.on('error', (error) => {
      console.error(`${name}: could not start ${command}: ${error.message}`);
      resolve({ name, code: 1 });
    });
    child.on('exit', (code, signal) => resolve({ name, code: code ?? (signal ? 1 : 0) }));
  });
}

const build = await run('build', 'pnpm', ['exec', 'turbo', 'run', 'build', '--output-logs=errors-only']);
const results = [build];
if (build.code === 0) {
  results.push(
    ...(await Promise.all([
      run('typecheck and lint', 'pnpm', ['exec', 'turbo', 'run', 'typecheck:repo', 'lint:repo', '--output-logs=errors-only']),
      run('tests', 'pnpm', ['exec', 'vitest', 'run']),
    ])),
  );
}
const failed = results.filter((result) => result.code !== 0).map((result) => result.name);
if (build.code !== 0) console.error('pnpm test: the build failed, so no test ran.');
console.log(failed.length === 0 ? 'pnpm test: build, type check, lint and tests passed.' : `pnpm test: FAILED: ${failed.join(', ')}.`);
process.exitCode = failed.length === 0 ? 0 : 1;
