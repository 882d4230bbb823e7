/**
 * Child process of `real-shapes.bench.ts`: writes one random model of a real shape into a folder
 * (safetensors for tfjs, ONNX with KV cache, attention outputs and external data for ORT) and
 * prints one JSON line `{ seconds, maxRssMiB, bytes, parameters }`. Run apart so that the generator's memory
 * does not count in the backends' peak RSS. Usage: `node --import tsx real-shape-generate.ts <shape> <dir>`.
 */
import { open, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { gpt2SmallShape, qwen25HalfBShape, writeRandomGpt2Folder, writeRandomLlamaFolder } from '@inseq/testing';

const [shape, directory] = process.argv.slice(2);
const start = performance.now();
const onnx = { withPast: true, outputAttentions: true };
if (shape === 'gpt2-small') await writeRandomGpt2Folder(directory, gpt2SmallShape, { onnx });
else if (shape === 'qwen2.5-0.5b') await writeRandomLlamaFolder(directory, qwen25HalfBShape, { onnx });
else throw new Error(`Unknown shape '${shape}'; use gpt2-small or qwen2.5-0.5b.`);
const seconds = (performance.now() - start) / 1000;
let bytes = 0;
for (const name of await readdir(directory, { recursive: true })) {
  const info = await stat(join(directory, name));
  if (info.isFile()) bytes += info.size;
}
// Parameters from the safetensors header (8-byte length, then JSON).
const file = await open(join(directory, 'model.safetensors'));
const length = Buffer.alloc(8);
await file.read(length, 0, 8, 0);
const header = Buffer.alloc(Number(length.readBigUInt64LE()));
await file.read(header, 0, header.length, 8);
await file.close();
const parameters = Object.entries(JSON.parse(header.toString('utf8')) as Record<string, { shape: number[] }>)
  .filter(([name]) => name !== '__metadata__')
  .reduce((sum, [, { shape }]) => sum + shape.reduce((a, b) => a * b, 1), 0);
console.log(JSON.stringify({ seconds, maxRssMiB: process.resourceUsage().maxRSS / 1024, bytes, parameters }));
