// Measures peak memory (max RSS) and time of loading two hostile attribution files, each in a
// fresh Node process: a gzip bomb (about 1.1 MB inflating to 1.1 GB) and a gzip-in-gzip file
// (a few KB, the bomb gzipped again), through loadOutput (Node) and outputFromBytes (the web
// app's path). Not a test: run `pnpm --filter @inseq/core build && node scripts/measure-gzip-bombs.mjs`.
import { spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { constants, createGzip, gzipSync } from 'node:zlib';

const dist = fileURLToPath(new URL('../dist/index.js', import.meta.url));
const folder = join(tmpdir(), 'inseq-gzip-bombs');
mkdirSync(folder, { recursive: true });
const bomb = join(folder, 'bomb.json.gz');
const nested = join(folder, 'gzip-in-gzip.json.gz');
const inflated = 1.1e9;

if (!existsSync(bomb)) {
  const head = '{"format":"inseq-ts.feature_attribution_output","format_version":1,"sequence_attributions":[],"info":{"padding":"';
  const tail = '"}}';
  async function* text() {
    yield Buffer.from(head);
    const chunk = Buffer.alloc(1 << 20, 'a');
    for (let left = inflated - head.length - tail.length; left > 0; left -= chunk.length) yield left >= chunk.length ? chunk : chunk.subarray(0, left);
    yield Buffer.from(tail);
  }
  await pipeline(text, createGzip({ level: constants.Z_BEST_COMPRESSION }), createWriteStream(bomb));
}
if (!existsSync(nested)) writeFileSync(nested, gzipSync(readFileSync(bomb), { level: constants.Z_BEST_COMPRESSION }));

const child = (call, path) => `
  import(${JSON.stringify(dist)}).then(async (core) => {
    const { readFileSync } = await import('node:fs');
    const start = performance.now();
    let outcome;
    try {
      ${call === 'loadOutput' ? `await core.loadOutput(${JSON.stringify(path)});` : `await core.outputFromBytes(new Uint8Array(readFileSync(${JSON.stringify(path)})));`}
      outcome = 'loaded';
    } catch (error) {
      outcome = (error.constructor?.name ?? 'Error') + ' ' + (error.code ?? '') + ': ' + String(error.message).slice(0, 160);
    }
    const ms = performance.now() - start;
    console.log(JSON.stringify({ seconds: +(ms / 1000).toFixed(2), maxRssMiB: Math.round(process.resourceUsage().maxRSS / 1024), outcome }));
  });`;

for (const [label, path] of [['bomb', bomb], ['gzip-in-gzip', nested]]) {
  for (const call of ['loadOutput', 'outputFromBytes']) {
    const run = spawnSync(process.execPath, ['--max-old-space-size=8192', '-e', child(call, path)], { encoding: 'utf8' });
    const line = run.stdout.trim().split('\n').pop() || `exit ${run.status} ${run.signal ?? ''} ${run.stderr.slice(-300)}`;
    console.log(`${label} (${statSync(path).size} bytes) via ${call}: ${line}`);
  }
}
