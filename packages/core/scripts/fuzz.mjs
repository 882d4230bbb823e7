// The long fuzz run (not part of `pnpm test`): every `*.fuzz.test.ts` of this package with
// FUZZ_RUNS cases per property (default 10000) and a random FUZZ_SEED unless one is given, printed
// so a failure can be replayed: `FUZZ_SEED=<seed> FUZZ_RUNS=<runs> pnpm --filter @inseq/core fuzz`.
import { spawnSync } from 'node:child_process';

const runs = process.env.FUZZ_RUNS ?? '10000';
const seed = process.env.FUZZ_SEED ?? String(Math.floor(Math.random() * 2 ** 31));
console.log(`fuzz: FUZZ_RUNS=${runs} FUZZ_SEED=${seed}`);
// `pnpm run` puts the workspace's vitest on PATH.
const result = spawnSync('vitest', ['run', 'fuzz.test', ...process.argv.slice(2)], {
  stdio: 'inherit',
  shell: process.platform === 'win32',
  env: { ...process.env, FUZZ_RUNS: runs, FUZZ_SEED: seed },
});
process.exit(result.status ?? 1);
