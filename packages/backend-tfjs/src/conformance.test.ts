import { memoryModelFiles } from '@inseq/core';
import { createTinyGpt2 } from '@inseq/testing';
import { runBackendConformance } from '@inseq/testing/vitest';
import { initTfjs } from './init-tfjs';
import { loadTfjsBackend } from './load-tfjs-backend';

const tiny = createTinyGpt2();

runBackendConformance(
  'tfjs',
  async () => {
    await initTfjs();
    return loadTfjsBackend(memoryModelFiles(tiny.files, 'tiny-gpt2'));
  },
  tiny,
);
