import { probability } from '@inseq/core';
import { tinyGpt2OnnxFiles } from '@inseq/testing';
import * as ort from 'onnxruntime-node';
import { buildDecoderOnlyGradientModel } from './autodiff/build-gradient-model';
import { decodeOnnxModel } from './autodiff/decode-onnx-model';
import { encodeOnnxModel } from './autodiff/encode-onnx-model';
import { recordOnnxTarget } from './autodiff/onnx-target-ops';

const SHAPE = { nLayer: 6, nEmbd: 512, nHead: 8, nPositions: 64, merges: 1000, seed: 1 } as const;
const files = tinyGpt2OnnxFiles(SHAPE);
const bytes = files['onnx/model.onnx'] as Uint8Array;
let t = performance.now();
const lap = (what: string) => { const n = performance.now(); console.log(what.padEnd(30), (n - t).toFixed(0), 'ms'); t = n; };
const model = decodeOnnxModel(bytes); lap('decode');
const cfg = JSON.parse(new TextDecoder().decode(files['config.json'] as Uint8Array));
const target = recordOnnxTarget(probability.differentiable!, 'target/logits', cfg.vocab_size, Int32Array.of(0), undefined, { opsetVersion: 17 }); lap('target');
const built = buildDecoderOnlyGradientModel(model, target); lap('build');
const enc = encodeOnnxModel(built.model); lap(`encode (${(enc.length/1e6).toFixed(1)} MB, ${built.model.graph.nodes.length} nodes)`);
for (const level of ['disabled', 'basic', 'extended', 'all'] as const) {
  t = performance.now();
  const s = await ort.InferenceSession.create(enc, { graphOptimizationLevel: level });
  lap(`session ${level}`);
  await s.release();
}
