import { describe, expect, it } from 'vitest';
import { createTinyGpt2 } from './create-tiny-gpt2';
import { createTinyGpt2Onnx } from './create-tiny-gpt2-onnx';
import { tinyGpt2OnnxFiles } from './tiny-gpt2-onnx-files';

describe('tinyGpt2OnnxFiles', () => {
  it('lays the model out as transformers.js expects, sharing createTinyGpt2\'s files', () => {
    const files = tinyGpt2OnnxFiles({ seed: 3 });
    expect(Object.keys(files).sort()).toEqual([
      'config.json',
      'generation_config.json',
      'onnx/model.onnx',
      'tokenizer.json',
      'tokenizer_config.json',
    ]);
    const { files: huggingFace } = createTinyGpt2({ seed: 3 });
    for (const name of ['config.json', 'generation_config.json', 'tokenizer.json', 'tokenizer_config.json']) {
      expect(files[name]).toEqual(huggingFace[name]);
    }
    expect(files['onnx/model.onnx']).toEqual(createTinyGpt2Onnx({ seed: 3 }));
  });
});
