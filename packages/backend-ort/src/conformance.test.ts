import { memoryModelFiles } from '@inseq/core';
import { createTinyGpt2, tinyGpt2OnnxFiles } from '@inseq/testing';
import { runBackendConformance } from '@inseq/testing/vitest';
import { loadOrtBackend } from './load-ort-backend';

const tiny = createTinyGpt2();

for (const withPast of [false, true]) {
  const files = memoryModelFiles(tinyGpt2OnnxFiles({ withPast }), withPast ? 'tiny-gpt2-onnx-past' : 'tiny-gpt2-onnx');
  runBackendConformance(withPast ? 'ort (withPast)' : 'ort', () => loadOrtBackend(files, { intraOpNumThreads: 1 }), tiny);
}
