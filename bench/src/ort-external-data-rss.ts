// Memory of loading an ONNX model with external data by path (onnxruntime-node reads the files
// itself) versus through JS buffers (the data file read with files.read and handed over as bytes,
// as before, and as browsers still must). Run: node --import tsx src/ort-external-data-rss.ts
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadOrtBackend } from '@inseq/backend-ort';
import { intTensorFromRows, localModelFiles } from '@inseq/core';
import { tinyGpt2OnnxFiles } from '@inseq/testing';

async function child(folder: string, mode: 'path' | 'bytes') {
  const local = await localModelFiles(folder);
  // 'bytes': the same folder without localPath, so the backend reads the data file into a buffer.
  const files = mode === 'path' ? local : { ...local, localPath: undefined };
  const backend = await loadOrtBackend(files, { intraOpNumThreads: 1 });
  const ids = intTensorFromRows([[1, 2, 3, 4]]);
  await backend.forward({ inputIds: ids, attentionMask: intTensorFromRows([[1, 1, 1, 1]]) });
  (globalThis as { gc?: () => void }).gc?.();
  const rss = process.memoryUsage().rss;
  const peak = process.resourceUsage().maxRSS * 1024;
  await backend.dispose();
  process.stdout.write(JSON.stringify({ mode, rssMiB: rss / 2 ** 20, peakMiB: peak / 2 ** 20 }));
}

async function main() {
  const [mode, folderArg] = process.argv.slice(2);
  if (mode === 'path' || mode === 'bytes') return child(folderArg, mode);
  const folder = await mkdtemp(join(tmpdir(), 'inseq-rss-'));
  try {
    const files = tinyGpt2OnnxFiles({ nLayer: 8, nEmbd: 768, nHead: 12, merges: 16000, nPositions: 128, externalData: true });
    let bytes = 0;
    for (const [name, data] of Object.entries(files)) {
      await mkdir(dirname(join(folder, name)), { recursive: true });
      await writeFile(join(folder, name), data);
      if (name.endsWith('_data')) bytes += data.length;
    }
    console.log(`external data: ${(bytes / 2 ** 20).toFixed(0)} MiB`);
    const script = fileURLToPath(import.meta.url);
    for (const run of ['bytes', 'path', 'bytes', 'path']) {
      const out = execFileSync(process.execPath, ['--expose-gc', '--import', 'tsx', script, run, folder], { encoding: 'utf8' });
      const { rssMiB, peakMiB } = JSON.parse(out);
      console.log(`${run.padEnd(5)}  RSS after load + forward ${rssMiB.toFixed(0)} MiB, peak ${peakMiB.toFixed(0)} MiB`);
    }
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

await main();
