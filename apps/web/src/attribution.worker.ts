// Attribution off the page's thread: the page stays responsive, and cancel terminates this worker.
// One worker per request, so tfjs' single global backend is chosen fresh each time.
import { loadOrtBackend } from '@inseq/backend-ort';
import { loadTfjsBackend } from '@inseq/backend-tfjs';
import { getBackend } from '@tensorflow/tfjs-core';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-backend-webgpu';
import { type AttributionModel, type ModelBackend, type ModelFiles, attribute, loadTokenizer, readJsonFile } from 'inseq';
import { env as ortEnv } from 'onnxruntime-web';
// The runtime onnxruntime-web's browser bundle loads (with the WebGPU kernels), emitted by Vite
// into the app's own assets: never fetched from a CDN.
import ortWasmUrl from 'onnxruntime-web/ort-wasm-simd-threaded.jsep.wasm?url';
import { hubModelFiles } from '@inseq/hub';
import { blobModelFiles } from './blob-model-files';
import { urlModelFiles } from './url-model-files';
import type { AttributeRequest, WorkerMessage } from './worker-protocol';

const post = (message: WorkerMessage) => (self as unknown as Worker).postMessage(message);

async function loadBackend(files: ModelFiles, request: AttributeRequest): Promise<ModelBackend> {
  const [backend, device] = request.engine.split(':');
  if (backend === 'tfjs') {
    // The wasm binaries come from this app's origin, never from a CDN.
    setWasmPaths(new URL('tfjs/', request.assetBase).href);
    return loadTfjsBackend(files, { device: device as 'wasm' | 'cpu' | 'webgpu' | 'webgl' });
  }
  ortEnv.wasm.wasmPaths = { wasm: new URL(ortWasmUrl, self.location.href).href };
  // Not cross-origin isolated: no SharedArrayBuffer, so one thread.
  ortEnv.wasm.numThreads = 1;
  return loadOrtBackend(files, { device: device as 'wasm' | 'webgpu' });
}

function formatBytes(bytes: number): string {
  return bytes >= 1e6 ? `${(bytes / 1e6).toFixed(1)} MB` : `${(bytes / 1e3).toFixed(1)} kB`;
}

async function modelFiles(source: AttributeRequest['model']): Promise<ModelFiles> {
  if (source.kind === 'url') return urlModelFiles(source.url);
  if (source.kind === 'files') return blobModelFiles(source.files, source.name);
  // Only the files the backend reads are fetched; each is kept in the Cache API for the next run.
  return hubModelFiles(source.id, {
    endpoint: source.endpoint,
    ...(source.token !== undefined && { token: source.token }),
    onProgress: ({ repoId, file, loaded, total }) =>
      post({ type: 'status', text: `Downloading ${repoId}/${file}: ${formatBytes(loaded)} / ${formatBytes(total)}` }),
  });
}

async function run(request: AttributeRequest): Promise<void> {
  const files = await modelFiles(request.model);
  post({ type: 'status', text: `Loading ${files.location} on ${request.engine}…` });
  const loadStart = performance.now();
  const config = await readJsonFile(files, 'config.json');
  const backend = await loadBackend(files, request);
  const tokenizer = await loadTokenizer(files);
  const folderName = request.model.kind === 'hub' ? request.model.id : (files.location.split('/').filter(Boolean).at(-1) ?? files.location);
  const name = typeof config._name_or_path === 'string' && config._name_or_path ? config._name_or_path : folderName;
  const model: AttributionModel = { name, backend, tokenizer };
  const loadMs = performance.now() - loadStart;
  try {
    post({ type: 'status', text: `Attributing with ${request.method}…` });
    const start = performance.now();
    const output = await attribute(model, request.input, {
      method: request.method,
      attributionArgs: request.methodOptions,
      maxNewTokens: request.maxNewTokens,
      attributedFn: request.attributedFn,
      stepScores: [...request.stepScores],
      ...(request.generated !== undefined && { generatedTexts: request.generated }),
      onProgress: ({ done, total }) => post({ type: 'progress', done, total }),
    });
    const attributeMs = performance.now() - start;
    // tfjs says which of its backends actually ran; ort fails rather than falling back.
    const device = backend.name === 'tfjs' ? getBackend() : request.engine.split(':')[1];
    post({ type: 'result', output, timings: { loadMs, attributeMs }, ranOn: `${backend.name}:${device}` });
  } finally {
    await backend.dispose();
  }
}

self.addEventListener('message', (event: MessageEvent<AttributeRequest>) => {
  run(event.data).catch((error: unknown) => post({ type: 'error', message: error instanceof Error ? error.message : String(error) }));
});
