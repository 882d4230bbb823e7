import { probability } from '@inseq/core';
import { tinyGpt2OnnxFiles } from '@inseq/testing';
import { buildDecoderOnlyGradientModel } from './autodiff/build-gradient-model';
import { decodeOnnxModel } from './autodiff/decode-onnx-model';
import { encodeOnnxModel } from './autodiff/encode-onnx-model';
import { recordOnnxTarget } from './autodiff/onnx-target-ops';
const files = tinyGpt2OnnxFiles({ nLayer: 6, nEmbd: 512, nHead: 8, nPositions: 64, merges: 1000, seed: 1 });
const bytes = files['onnx/model.onnx'] as Uint8Array;
const target = recordOnnxTarget(probability.differentiable!, 'target/logits', 1000, Int32Array.of(0), undefined, { opsetVersion: 17 });
const built = buildDecoderOnlyGradientModel(decodeOnnxModel(bytes), target);
for (let r = 0; r < 4; r++) { const t = performance.now(); const e = encodeOnnxModel(built.model); console.log('encode', (performance.now() - t).toFixed(0), e.length); }
const t = performance.now(); const big = new Uint8Array(78_000_000); big.set(bytes.subarray(0, Math.min(bytes.length, 78_000_000))); console.log('alloc+copy', (performance.now() - t).toFixed(0));
