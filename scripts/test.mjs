#!/usr/bin/env node
// `pnpm test`: every check of the repository, on 2 cores in a few minutes.
//   - `turbo run typecheck:repo lint:repo` (one tsgo type check over all sources, one biome lint), from the start;
//   - beside it, `turbo run build` with INSEQ_NO_DTS=1 (esbuild only) of the dists that some tests
//     spawn or bundle (the CLI's bin, the web app's Vite build, inseq's backend discovery);
//   - then one `vitest run` of every package's tests (vitest.config.ts at the root: one Vite server
//     transforms the workspace sources once, each worker imports them once).
// Exit status: non-zero when any step failed; each step's failure is named at the end.
// `pnpm --filter <package> test` still runs one package alone.
import { spawn } from 'node:child_process';

const env = { ...process.env, INSEQ_NO_DTS: '1', TURBO_TELEMETRY_DISABLED: '1' };

function run(name, command, args, extraEnv = {}) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: 'inherit', env: { ...env, ...extraEnv } });
    child.on('error', (error) => {
      console.error(`${name}: could not start ${command}: ${error.message}`);
      resolve({ name, code: 1 });
    });
    child.on('exit', (code, signal) => resolve({ name, code: code ?? (signal ? 1 : 0) }));
  });
}

// The type check and lint need no dist: they run beside the build, which leaves a core idle.
const checks = run('typecheck and lint', 'pnpm', ['exec', 'turbo', 'run', 'typecheck:repo', 'lint:repo', '--output-logs=errors-only']);
// Only the dists tests read: the CLI and what it depends on, and what the web app's Vite build (run
// by its test) bundles; not the web app itself, demo-model or the examples.
const build = await run('build', 'pnpm', ['exec', 'turbo', 'run', 'build', '--filter=@inseq/cli...', '--filter=web^...', '--output-logs=errors-only']);
// A larger young generation: fewer scavenges in test code that allocates many small tensors.
const tests = build.code === 0 ? run('tests', 'pnpm', ['exec', 'vitest', 'run'], { NODE_OPTIONS: '--max-semi-space-size=32' }) : undefined;
const results = [build, ...(await Promise.all([checks, ...(tests ? [tests] : [])]))];
const failed = results.filter((result) => result.code !== 0).map((result) => result.name);
if (build.code !== 0) console.error('pnpm test: the build failed, so no test ran.');
console.log(failed.length === 0 ? 'pnpm test: build, type check, lint and tests passed.' : `pnpm test: FAILED: ${failed.join(', ')}.`);
process.exitCode = failed.length === 0 ? 0 : 1;
