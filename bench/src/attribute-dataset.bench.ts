/**
 * `inseq attribute-dataset`'s loop on 1,000 examples: examples/s and memory. A JSON Lines dataset
 * of 1,000 short sentences with continuations is written to a temporary folder, then attributed
 * with saliency in batches of 8 on the bundled demo model (models/inseq-demo-gpt2, tfjs) into a
 * JSON Lines file, the file synced after each batch, as the CLI does.
 *
 * Run: `pnpm --filter @inseq/bench bench:dataset` (`INSEQ_DATASET_EXAMPLES=1000`, `INSEQ_DATASET_BATCH=8`).
 */
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openAttributionLog, readExamples, resolveDataset, runDatasetAttribution } from '@inseq/datasets';
import * as tf from '@tensorflow/tfjs';
import { attribute, loadModel } from 'inseq';

const EXAMPLES = Number(process.env.INSEQ_DATASET_EXAMPLES ?? 1000);
const BATCH = Number(process.env.INSEQ_DATASET_BATCH ?? 8);
const MODEL = resolve(dirname(fileURLToPath(import.meta.url)), '../../models/inseq-demo-gpt2');
const SUBJECTS = ['The cat', 'A doctor', 'My neighbour', 'The old train', 'Every student'];
const VERBS = ['sat on', 'looked at', 'walked to', 'talked about', 'waited for'];
const OBJECTS = ['the mat', 'the river', 'a small house', 'the station', 'her friend'];

const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(1);
const folder = mkdtempSync(join(tmpdir(), 'inseq-bench-ds-'));
try {
  const rows = Array.from({ length: EXAMPLES }, (_, i) => {
    const text = `${SUBJECTS[i % 5]} ${VERBS[Math.floor(i / 5) % 5]}`;
    return JSON.stringify({ text, continuation: `${text} ${OBJECTS[Math.floor(i / 25) % 5]}` });
  });
  writeFileSync(join(folder, 'train.jsonl'), `${rows.join('\n')}\n`);
  const dataset = await resolveDataset({ name: folder, generatedTextField: 'continuation' });
  const model = await loadModel(MODEL);
  const out = join(folder, 'out.jsonl');
  const log = await openAttributionLog(out, { dataset: dataset.fingerprint, model: 'inseq-demo-gpt2', method: 'saliency' });
  const samples: string[] = [];
  const started = performance.now();
  await runDatasetAttribution({
    examples: readExamples(dataset),
    batchSize: BATCH,
    log,
    attributeBatch: (batch) => attribute(model, batch.map((e) => e.inputText), { method: 'saliency', generatedTexts: batch.map((e) => e.generatedText as string) }),
    onProgress: ({ written }) => {
      if (written % 200 < BATCH) {
        globalThis.gc?.();
        const memory = process.memoryUsage();
        samples.push(`${written}: rss ${mib(memory.rss)} MiB, heap ${mib(memory.heapUsed)} MiB, tensors ${tf.memory().numTensors}`);
      }
    },
  });
  const seconds = (performance.now() - started) / 1000;
  await log.close();
  await model.backend.dispose();
  console.log(`attribute-dataset: ${EXAMPLES} examples, saliency, batch ${BATCH}, tfjs ${tf.getBackend()}, demo gpt2`);
  console.log(`  ${seconds.toFixed(1)} s, ${(EXAMPLES / seconds).toFixed(1)} examples/s, output ${mib(statSync(out).size)} MiB`);
  for (const line of samples) console.log(`  after ${line}`);
} finally {
  rmSync(folder, { recursive: true, force: true });
}
