import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { appAssets, shippedModels } from './build/app-assets';
import { forcedText, parsePreparedExamples, parseShippedModels } from './shipped-models';

const source = 'models/m/examples.json';

describe('parsePreparedExamples', () => {
  it('reads the documented fields and keeps only those given', () => {
    const examples = parsePreparedExamples(
      [
        { label: 'A fact', phenomenon: 'fact', prompt: 'The capital of France is', method: 'integrated_gradients' },
        { label: 'Bias', prompt: 'The nurse said that', method: 'saliency', generatedText: ' she', attributionArgs: { n_steps: 8 } },
      ],
      source,
      ['integrated_gradients', 'saliency'],
    );
    expect(examples).toEqual([
      { label: 'A fact', phenomenon: 'fact', prompt: 'The capital of France is', method: 'integrated_gradients' },
      { label: 'Bias', prompt: 'The nurse said that', method: 'saliency', generatedText: ' she', attributionArgs: { n_steps: 8 } },
    ]);
  });

  it('refuses malformed files, naming the entry, the field and what is allowed', () => {
    const parse = (json: unknown) => () => parsePreparedExamples(json, source, ['saliency']);
    expect(parse({})).toThrow(/models\/m\/examples.json: expected an array of examples/);
    expect(parse([{ label: 'x', prompt: 'p' }])).toThrow(/example 0 needs "method" as a non-empty string, got undefined/);
    expect(parse([{ label: 'x', prompt: 'p', method: 'saliency', generated_text: 'q' }])).toThrow(
      /example 0 has unknown field\(s\) "generated_text"; allowed: label, phenomenon, prompt, method, generatedText, attributionArgs/,
    );
    expect(parse([{ label: 'x', prompt: 'p', method: 'saliency', attributionArgs: [1] }])).toThrow(/"attributionArgs" must be an object/);
    expect(parse([{ label: 'x', prompt: 'p', method: 'saliency' }, { label: 'y', prompt: 'p', method: 'lime2' }])).toThrow(
      /example 1 names method "lime2", which is not registered; known: saliency/,
    );
    let caught: unknown;
    try {
      parse(null)();
    } catch (error) {
      caught = error;
    }
    expect((caught as { code?: string }).code).toBe('INVALID_FILE');
  });

  it('forces the whole text: a continuation is appended to the prompt, a full text kept', () => {
    const base = { label: 'x', prompt: 'The nurse said that', method: 'saliency' };
    expect(forcedText({ ...base, generatedText: ' she' })).toBe('The nurse said that she');
    expect(forcedText({ ...base, generatedText: 'The nurse said that he' })).toBe('The nurse said that he');
    expect(forcedText(base)).toBeUndefined();
    expect(forcedText({ ...base, generatedText: '' })).toBeUndefined();
  });
});

describe('shipped models', () => {
  const root = mkdtempSync(join(tmpdir(), 'inseq-web-models-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const addModel = (name: string) => {
    mkdirSync(join(root, name, 'onnx'), { recursive: true });
    writeFileSync(join(root, name, 'config.json'), '{}');
    writeFileSync(join(root, name, 'onnx', 'model.onnx'), 'x');
  };

  it('opens on the demo model once it exists, else tiny-gpt2, and serves every folder with a config.json', () => {
    addModel('tiny-gpt2');
    addModel('a-model');
    mkdirSync(join(root, 'not-a-model'));
    expect(shippedModels(root)).toEqual({ default: 'tiny-gpt2', models: ['a-model', 'tiny-gpt2'] });
    addModel('inseq-demo-gpt2');
    expect(shippedModels(root)).toEqual({ default: 'inseq-demo-gpt2', models: ['a-model', 'inseq-demo-gpt2', 'tiny-gpt2'] });
    const assets = appAssets(root);
    expect(parseShippedModels(JSON.parse(new TextDecoder().decode(assets.get('models/index.json') as Uint8Array)), 'index')).toEqual(
      shippedModels(root),
    );
    expect(assets.get('models/inseq-demo-gpt2/onnx/model.onnx')).toBe(join(root, 'inseq-demo-gpt2', 'onnx', 'model.onnx'));
    expect([...assets.keys()].some((path) => path.startsWith('models/not-a-model'))).toBe(false);
  });

  it('serves the repository models/ by default, tiny-gpt2 among them', () => {
    expect(shippedModels().models).toContain('tiny-gpt2');
  });

  it('explains an empty models folder and a bad index', () => {
    expect(() => shippedModels(join(root, 'not-a-model'))).toThrow(/No model folder \(one holding config.json\) under .*not-a-model/);
    expect(() => parseShippedModels({ default: 'x', models: ['a'] }, 'index.json')).toThrow(/index.json: "default" must be one of the listed models \(a\), got "x"/);
    expect(() => parseShippedModels({ models: [] }, 'index.json')).toThrow(/at least one model/);
  });
});
