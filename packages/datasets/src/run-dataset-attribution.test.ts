import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { loadTfjsBackend } from '@inseq/backend-tfjs';
import { type AttributionModel, loadTokenizer, memoryModelFiles, outputFromJson } from '@inseq/core';
import { createTinyGpt2, maxAbsDiff } from '@inseq/testing';
import * as tf from '@tensorflow/tfjs-core';
import { attribute } from 'inseq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AttributionRunIdentity, metaPath, openAttributionLog } from './attribution-log';
import type { DatasetExample } from './dataset-example';
import { readExamples, resolveDataset } from './load-dataset';
import { runDatasetAttribution } from './run-dataset-attribution';

let model: AttributionModel;
// A full collection before each heap sample (the worker runs without --expose-gc).
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
beforeAll(async () => {
  const files = memoryModelFiles(createTinyGpt2().files, 'tiny-gpt2');
  model = { name: 'tiny-gpt2', backend: await loadTfjsBackend(files), tokenizer: await loadTokenizer(files) };
});
afterAll(() => model.backend.dispose());

const words = ['the', 'cat', 'sat', 'on', 'a', 'mat', 'dog', 'ran'];
function writeDataset(folder: string, count: number): string {
  const rows = Array.from({ length: count }, (_, i) => {
    const text = `${words[i % 8]} ${words[(i * 3 + 1) % 8]}`;
    return JSON.stringify({ text, gen: `${text} ${words[(i * 5 + 2) % 8]}` });
  });
  writeFileSync(join(folder, 'train.jsonl'), `${rows.join('\n')}\n`);
  return folder;
}

const attributeBatch = (examples: readonly DatasetExample[]) =>
  attribute(
    model,
    examples.map((e) => e.inputText),
    { method: 'saliency', generatedTexts: examples.map((e) => e.generatedText as string) },
  );

async function run(folder: string, out: string, options: { resume?: boolean; abortAfter?: number; batchSize?: number; identity?: Partial<AttributionRunIdentity> } = {}) {
  const dataset = await resolveDataset({ name: folder, generatedTextField: 'gen' });
  const log = await openAttributionLog(out, { dataset: dataset.fingerprint, model: 'tiny-gpt2', method: 'saliency', ...options.identity }, options);
  const controller = new AbortController();
  try {
    return await runDatasetAttribution({
      examples: readExamples(dataset),
      batchSize: options.batchSize ?? 3,
      attributeBatch,
      log,
      signal: controller.signal,
      onProgress: (p) => {
        if (options.abortAfter !== undefined && p.written >= options.abortAfter) controller.abort();
      },
    });
  } finally {
    await log.close();
  }
}

// exec_time is the batch's wall time, the one field that differs between two runs.
const stable = (text: string) => text.replace(/"exec_time":[0-9.e+-]+/g, '"exec_time":0');

describe('runDatasetAttribution', () => {
  it('interrupted after 2 batches, crashed mid-line, then resumed: the same lines as one uninterrupted run', async () => {
    const folder = writeDataset(mkdtempSync(join(tmpdir(), 'inseq-ds-run-')), 10);
    const full = join(folder, 'full.jsonl');
    const resumed = join(folder, 'resumed.jsonl');
    expect(await run(folder, full)).toMatchObject({ written: 10, skipped: 0, aborted: false });

    expect(await run(folder, resumed, { abortAfter: 6 })).toMatchObject({ written: 6, aborted: true });
    const partial = readFileSync(resumed, 'utf8');
    expect(partial.split('\n').length).toBe(7); // six whole lines and the final newline
    appendFileSync(resumed, '{"index":6,"input_text":"the cat","out'); // a crash mid-write
    expect(await run(folder, resumed, { resume: true })).toMatchObject({ written: 4, skipped: 6, aborted: false });

    const fullText = readFileSync(full, 'utf8');
    expect(stable(readFileSync(resumed, 'utf8'))).toBe(stable(fullText));
    expect(readFileSync(resumed, 'utf8').endsWith('}\n')).toBe(true);

    // Each line holds that example's attribution: equal to attributing it alone.
    const lines = fullText.trimEnd().split('\n').map((line) => JSON.parse(line));
    expect(lines.map((line) => line.index)).toEqual([...Array(10).keys()]);
    for (const i of [0, 4, 9]) {
      const alone = await attribute(model, lines[i].input_text, { method: 'saliency', generatedTexts: lines[i].generated_text });
      const saved = outputFromJson(lines[i].output);
      expect(saved.sequence_attributions.length).toBe(1);
      expect(saved.info.input_texts).toEqual([lines[i].input_text]);
      const [a, b] = [saved.sequence_attributions[0], alone.sequence_attributions[0]];
      expect(a?.target.map((t) => t.token)).toEqual(b?.target.map((t) => t.token));
      // Future positions are NaN in both; the others equal to float32 rounding (batch padding aside).
      const [x, y] = [Array.from(a?.target_attributions?.data ?? []), Array.from(b?.target_attributions?.data ?? [])];
      expect(x.map(Number.isNaN)).toEqual(y.map(Number.isNaN));
      expect(x.length).toBeGreaterThan(4);
      expect(maxAbsDiff(x.map((v) => (Number.isNaN(v) ? 0 : v)), y.map((v) => (Number.isNaN(v) ? 0 : v)))).toBeLessThan(1e-5);
    }
  });

  it('refuses an existing file without resume, a different dataset, model or missing sidecar on resume', async () => {
    const folder = writeDataset(mkdtempSync(join(tmpdir(), 'inseq-ds-run-')), 2);
    const out = join(folder, 'out.jsonl');
    await run(folder, out);
    await expect(run(folder, out)).rejects.toThrow(/already holds attributions: pass --resume .* or a different -o/);
    await expect(run(folder, out, { resume: true, identity: { model: 'other' } })).rejects.toThrow(/different model/);
    writeDataset(folder, 3); // the data changed: another fingerprint
    await expect(run(folder, out, { resume: true })).rejects.toThrow(/different dataset \(fingerprint\)/);
    rmSync(metaPath(out));
    await expect(run(folder, out, { resume: true })).rejects.toThrow(/meta\.json is missing/);
  });

  it('keeps tfjs tensors and heap flat over 1,000 examples', async () => {
    const folder = writeDataset(mkdtempSync(join(tmpdir(), 'inseq-ds-run-')), 1000);
    const dataset = await resolveDataset({ name: folder, generatedTextField: 'gen' });
    const out = join(folder, 'out.jsonl');
    const log = await openAttributionLog(out, { dataset: dataset.fingerprint, model: 'tiny-gpt2', method: 'saliency' });
    const samples = new Map<number, { tensors: number; heap: number }>();
    const started = performance.now();
    await runDatasetAttribution({
      examples: readExamples(dataset),
      batchSize: 10,
      attributeBatch,
      log,
      onProgress: ({ written }) => {
        if (written === 100 || written === 1000) {
          gc();
          samples.set(written, { tensors: tf.memory().numTensors, heap: process.memoryUsage().heapUsed });
        }
      },
    });
    await log.close();
    const seconds = (performance.now() - started) / 1000;
    const [early, late] = [samples.get(100), samples.get(1000)];
    console.log(`1000 examples in ${seconds.toFixed(1)} s (${(1000 / seconds).toFixed(0)}/s); tensors ${early?.tensors} -> ${late?.tensors}; heap ${((early?.heap ?? 0) / 2 ** 20).toFixed(1)} -> ${((late?.heap ?? 0) / 2 ** 20).toFixed(1)} MiB`);
    expect(late?.tensors).toBe(early?.tensors);
    // After a full gc: growth between example 100 and 1,000 bounded by 4 MiB (measured: under 1 MiB).
    expect((late?.heap ?? 0) - (early?.heap ?? 0)).toBeLessThan(4 * 2 ** 20);
    expect(readFileSync(out, 'utf8').trimEnd().split('\n').length).toBe(1000);
  }, 60_000);
});
