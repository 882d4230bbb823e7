/**
 * Real checkpoint sizes: randomly initialised models of GPT-2 small's shape (124 M parameters) and
 * Qwen2.5-0.5B's shape (494 M), generated into a temporary folder (safetensors for tfjs, ONNX with
 * KV cache, attention outputs and external data for ORT) and deleted afterwards. For each shape ×
 * backend (tfjs wasm, ORT node cpu), one child process (`real-shape-measure.ts`) reports load
 * time, peak RSS, a 64-token forward (median of 3 after a warm-up) and attribution over 16 forced
 * steps after a 16-token prompt: saliency and integrated gradients on tfjs; attention and occlusion
 * on ORT, which has no gradients. Not a test.
 * Run: `pnpm bench` from the repository root (`INSEQ_BENCH_ONLY=real` for this script only;
 * `INSEQ_BENCH_REAL_SHAPES=gpt2-small` to pick shapes; `INSEQ_BENCH_REAL_IG_STEPS=8` for IG's n_steps).
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const SHAPES = (process.env.INSEQ_BENCH_REAL_SHAPES ?? 'gpt2-small,qwen2.5-0.5b').split(',');
const IG_STEPS = Number(process.env.INSEQ_BENCH_REAL_IG_STEPS ?? 8);
const BACKENDS = ['tfjs', 'ort'] as const;
const here = new URL('.', import.meta.url).pathname;

/** Runs `script` in a fresh Node process and returns the JSON of its last stdout line. */
function child(script: string, args: string[]): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['--import', 'tsx', join(here, script), ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    proc.stdout.on('data', (chunk) => {
      out += chunk;
    });
    proc.on('error', reject);
    proc.on('close', (code, signal) => {
      const last = out.trim().split('\n').pop() ?? '';
      try {
        resolve(JSON.parse(last) as Record<string, unknown>);
      } catch {
        reject(new Error(`${script} ${args.join(' ')} ended with ${signal ?? `code ${code}`} and no result: ${out.slice(-300)}`));
      }
    });
  });
}

interface Phase {
  seconds?: number;
  peakMiB?: number;
  error?: string;
  code?: string;
}

const cell = (phase: unknown, width: number) => {
  const p = phase as Phase | undefined;
  const text = p === undefined ? '—' : p.seconds !== undefined ? p.seconds.toFixed(2) : (p.code ?? 'error');
  return text.padStart(width);
};

async function main() {
  const root = await mkdtemp(join(tmpdir(), 'inseq-real-shapes-'));
  const cleanUp = () => rm(root, { recursive: true, force: true });
  process.once('SIGINT', () => void cleanUp().then(() => process.exit(130)));
  const rows: string[] = [];
  const notes: string[] = [];
  try {
    for (const shape of SHAPES) {
      const directory = join(root, shape);
      console.error(`[real-shapes] generating ${shape} …`);
      const generated = await child('real-shape-generate.ts', [shape, directory]);
      notes.push(
        `${shape}: ${((generated.parameters as number) / 1e6).toFixed(0)} M parameters, generated in ${(generated.seconds as number).toFixed(0)} s ` +
          `(peak RSS ${Math.round(generated.maxRssMiB as number)} MiB), ${((generated.bytes as number) / 1e9).toFixed(2)} GB on disk (safetensors + ONNX external data)`,
      );
      for (const backend of BACKENDS) {
        console.error(`[real-shapes] measuring ${shape} on ${backend} …`);
        const r = await child('real-shape-measure.ts', [directory, backend, String(IG_STEPS)]).catch((error: Error) => ({ load: { error: error.message } }));
        const gradientCells = backend === 'tfjs' ? [cell(r.saliency, 17), cell(r.integrated_gradients, 17)] : ['no gradients'.padStart(17), 'no gradients'.padStart(17)];
        const ortCells = backend === 'ort' ? [cell(r.attention, 10), cell(r.occlusion, 10)] : ['—'.padStart(10), '—'.padStart(10)];
        rows.push(
          `${shape.padEnd(14)}${(backend === 'tfjs' ? 'tfjs wasm' : 'ort cpu').padEnd(11)}${cell(r.load, 8)}${String(r.maxRssMiB ?? '—').padStart(10)}` +
            `${cell(r.forward, 10)}${gradientCells.join('')}${ortCells.join('')}`,
        );
        for (const [name, phase] of Object.entries(r)) {
          const p = phase as Phase;
          if (p && typeof p === 'object' && p.error) notes.push(`${shape} ${backend} ${name}: ${p.code ?? 'error'}: ${p.error}`);
        }
      }
      await rm(directory, { recursive: true, force: true });
    }
  } finally {
    await cleanUp();
  }
  console.log('inseq-ts real-shapes bench — random weights of real shapes; tfjs wasm vs ORT node cpu; seconds unless noted');
  console.log(`forward: 64 tokens, batch 1, median of 3; attribution: 16-token prompt, 16 forced steps; IG n_steps ${IG_STEPS}`);
  console.log('peak RSS: the process high-water mark (resourceUsage().maxRSS), one process per row\n');
  console.log(
    `${'shape'.padEnd(14)}${'backend'.padEnd(11)}${'load'.padStart(8)}${'RSS MiB'.padStart(10)}${'fwd 64'.padStart(10)}` +
      `${'saliency'.padStart(17)}${`IG (${IG_STEPS} steps)`.padStart(17)}${'attention'.padStart(10)}${'occlusion'.padStart(10)}`,
  );
  for (const row of rows) console.log(row);
  console.log('');
  for (const note of notes) console.log(`  ${note}`);
}

if (process.env.INSEQ_BENCH_ONLY && process.env.INSEQ_BENCH_ONLY !== 'real') console.log('real-shapes.bench.ts skipped (INSEQ_BENCH_ONLY).');
else
  main().catch((error) => {
    console.error(error);
    process.exitCode = 1;
  });
