import { probability } from '@inseq/core';
import { tinyGpt2OnnxFiles } from '@inseq/testing';
import * as ort from 'onnxruntime-node';
import { buildDecoderOnlyGradientModel } from './autodiff/build-gradient-model';
import { decodeOnnxModel } from './autodiff/decode-onnx-model';
import { encodeOnnxModel } from './autodiff/encode-onnx-model';
import { recordOnnxTarget } from './autodiff/onnx-target-ops';
import { upcastToFloat32 } from './autodiff/upcast-to-float32';
const files = tinyGpt2OnnxFiles({ nLayer: 6, nEmbd: 512, nHead: 8, nPositions: 64, merges: 1000, seed: 1 });
const bytes = files['onnx/model.onnx'] as Uint8Array;
const cfg = JSON.parse(new TextDecoder().decode(files['config.json'] as Uint8Array));
for (let r = 0; r < 2; r++) {
let t = performance.now();
const lap = (what: string) => { const n = performance.now(); process.stdout.write(`${what} ${(n - t).toFixed(0)} | `); t = n; };
const up = upcastToFloat32(decodeOnnxModel(bytes), { float16Inputs: [] }); lap('decode+upcast');
const target = recordOnnxTarget(probability.differentiable!, 'target/logits', cfg.vocab_size, Int32Array.of(0), undefined, { opsetVersion: 17 }); lap('target');
const built = buildDecoderOnlyGradientModel(up.model, target); lap(`build(${built.model.graph.nodes.length})`);
const enc = encodeOnnxModel(built.model); lap('encode');
const s = await ort.InferenceSession.create(enc, { graphOptimizationLevel: 'all' }); lap('session');
const T = 4, H = 512;
const feeds: Record<string, ort.Tensor> = {};
for (const input of s.inputNames) {
  if (input === 'input_ids' || input === 'attention_mask' || input === 'position_ids') feeds[input] = new ort.Tensor('int64', BigInt64Array.from({ length: T }, (_, i) => BigInt(input === 'position_ids' ? i : 1)), [1, T]);
  else if (input === built.embedsInput) feeds[input] = new ort.Tensor('float32', new Float32Array(T * H).fill(0.01), [1, T, H]);
  else if (input === built.seedInput) feeds[input] = new ort.Tensor('float32', Float32Array.of(1), [1]);
}
for (const f of target.feeds) feeds[f.name] = new ort.Tensor('float32', f.data, [...f.dims]);
await s.run(feeds); lap('first run');
await s.run(feeds); lap('second run');
console.log();
await s.release();
}
