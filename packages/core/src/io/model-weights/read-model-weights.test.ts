import { describe, expect, it } from 'vitest';
import { type ModelFiles, memoryModelFiles } from '../../contracts/model-files';
import { InseqError } from '../../errors/inseq-error';
import { decodeSafetensors } from '../safetensors/decode-safetensors';
import { type SafetensorsTensorInput, encodeSafetensors } from '../safetensors/encode-safetensors';
import { locateModelWeights } from './locate-model-weights';
import { readModelWeights } from './read-model-weights';

const tensors: Record<string, SafetensorsTensorInput> = {
  'a.weight': { dtype: 'F32', shape: [2, 3], data: [1, 2, 3, 4, 5, 6] },
  'b.weight': { dtype: 'BF16', shape: [2], data: [1 / 3, -7.25] },
  'c.bias': { dtype: 'F16', shape: [3], data: [0.1, 0.2, 65504] },
  'd.weight': { dtype: 'F32', shape: [1], data: [Math.PI] },
};

/** Splits `tensors` over shards as listed, with the index transformers writes. */
function sharded(shards: Record<string, string[]>, weightMap?: Record<string, string>): Record<string, Uint8Array | string> {
  const entries: Record<string, Uint8Array | string> = {};
  const map: Record<string, string> = {};
  for (const [shard, names] of Object.entries(shards)) {
    entries[shard] = encodeSafetensors(Object.fromEntries(names.map((name) => [name, tensors[name]])), { format: 'pt' });
    for (const name of names) map[name] = shard;
  }
  entries['model.safetensors.index.json'] = JSON.stringify({ metadata: { total_size: 0 }, weight_map: weightMap ?? map });
  return entries;
}

const twoShards = { 'model-00001-of-00002.safetensors': ['a.weight', 'b.weight'], 'model-00002-of-00002.safetensors': ['c.bias', 'd.weight'] };

async function loadError(files: ModelFiles): Promise<InseqError> {
  const error = await readModelWeights(files).catch((caught: unknown) => caught);
  expect(InseqError.isInstance(error)).toBe(true);
  return error as InseqError;
}

describe('readModelWeights', () => {
  it('reads a sharded checkpoint into the same tensors as the single file', async () => {
    const single = await readModelWeights(memoryModelFiles({ 'model.safetensors': encodeSafetensors(tensors, { format: 'pt' }) }, 'one'));
    const split = await readModelWeights(memoryModelFiles(sharded(twoShards), 'two'));
    expect(single.source).toBe('one/model.safetensors');
    expect(split.source).toBe('two/model.safetensors.index.json');
    expect(split.files).toEqual(Object.keys(twoShards));
    expect(new Map([...split.tensors].sort())).toEqual(new Map([...single.tensors].sort()));
    // Independent check: the codec's own decode of one file.
    expect(split.tensors.get('b.weight')).toEqual(decodeSafetensors(encodeSafetensors({ b: tensors['b.weight'] })).tensors.get('b'));
    expect(split.metadata).toEqual({ format: 'pt' });
  });

  it('reads shards one at a time, in index order', async () => {
    const base = memoryModelFiles(sharded(twoShards), 'two');
    const reads: string[] = [];
    let inFlight = 0;
    let maxInFlight = 0;
    const files: ModelFiles = {
      ...base,
      read: async (name) => {
        reads.push(name);
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        const bytes = await base.read(name);
        inFlight--;
        return bytes;
      },
    };
    await readModelWeights(files);
    expect(reads).toEqual(['model.safetensors.index.json', ...Object.keys(twoShards)]);
    expect(maxInFlight).toBe(1);
  });

  it('prefers model.safetensors when both layouts are present, as transformers', async () => {
    const entries = { ...sharded(twoShards), 'model.safetensors': encodeSafetensors({ only: tensors['d.weight'] }) };
    const read = await readModelWeights(memoryModelFiles(entries));
    expect([...read.tensors.keys()]).toEqual(['only']);
  });

  it('names a missing shard and the index', async () => {
    const entries = sharded(twoShards);
    delete entries['model-00002-of-00002.safetensors'];
    const error = await loadError(memoryModelFiles(entries, 'repo'));
    expect(error.code).toBe('MODEL_LOAD');
    expect(error.message).toContain('model-00002-of-00002.safetensors');
    expect(error.message).toContain('repo/model.safetensors.index.json');
  });

  it('rejects a tensor in two shards, one the index misplaces or omits, and one listed but in no shard', async () => {
    const twice = sharded({ 'x-1.safetensors': ['a.weight', 'b.weight'], 'x-2.safetensors': ['b.weight', 'c.bias'] });
    let error = await loadError(memoryModelFiles(twice));
    expect(error.code).toBe('INVALID_FILE');
    expect(error.message).toMatch(/'b.weight' is in two shards, x-1.safetensors and x-2.safetensors/);

    const unlisted = sharded(twoShards, { 'a.weight': 'model-00001-of-00002.safetensors', 'c.bias': 'model-00002-of-00002.safetensors', 'd.weight': 'model-00002-of-00002.safetensors' });
    error = await loadError(memoryModelFiles(unlisted));
    expect(error.message).toContain("'b.weight' of model-00001-of-00002.safetensors is not in the index's weight_map");

    const misplaced = sharded(twoShards, {
      'a.weight': 'model-00001-of-00002.safetensors',
      'b.weight': 'model-00002-of-00002.safetensors',
      'c.bias': 'model-00002-of-00002.safetensors',
      'd.weight': 'model-00002-of-00002.safetensors',
    });
    error = await loadError(memoryModelFiles(misplaced));
    expect(error.message).toContain("'b.weight' is in model-00001-of-00002.safetensors but the index places it in model-00002-of-00002.safetensors");

    const ghost = sharded(twoShards, { ...Object.fromEntries(Object.entries(twoShards).flatMap(([s, ns]) => ns.map((n) => [n, s]))), 'e.weight': 'model-00002-of-00002.safetensors' });
    error = await loadError(memoryModelFiles(ghost));
    expect(error.message).toContain("'e.weight' is listed in model-00002-of-00002.safetensors but no shard holds it");
  });

  it('rejects a malformed index and shard names outside the folder', async () => {
    for (const [index, fragment] of [
      ['{', 'not JSON'],
      ['[]', 'not a JSON object'],
      ['{"metadata": {}}', 'no "weight_map"'],
      ['{"weight_map": {}}', 'empty'],
      ['{"weight_map": {"a": 3}}', "'a' maps to 3"],
      ['{"weight_map": {"a": "../other/model.safetensors"}}', 'not a file inside the model folder'],
      ['{"weight_map": {"a": "/etc/model.safetensors"}}', 'not a file inside the model folder'],
      ['{"weight_map": {"a": "pytorch_model-00001-of-00002.bin"}}', 'not a .safetensors file'],
    ] as const) {
      const error = await loadError(memoryModelFiles({ 'model.safetensors.index.json': index }, 'repo'));
      expect(error.code).toBe('INVALID_FILE');
      expect(error.message).toContain('repo/model.safetensors.index.json is not a valid safetensors index');
      expect(error.message).toContain(fragment);
    }
  });

  it('reports a corrupt shard by name with how to re-export', async () => {
    const entries = sharded(twoShards);
    entries['model-00002-of-00002.safetensors'] = (entries['model-00002-of-00002.safetensors'] as Uint8Array).subarray(0, 30);
    const error = await loadError(memoryModelFiles(entries, 'repo'));
    expect(error.name).toBe('ModelLoadError');
    expect(error.code).toBe('INVALID_FILE');
    expect(error.message).toContain('repo/model-00002-of-00002.safetensors is not a valid safetensors file');
    expect(error.message).toContain('save_pretrained');
  });

  it('explains why pickle-only folders are not read, and how to convert them', async () => {
    for (const names of [['pytorch_model.bin'], ['pytorch_model.bin.index.json', 'pytorch_model-00001-of-00002.bin'], ['model.ckpt'], ['weights.pt']]) {
      const error = await loadError(memoryModelFiles(Object.fromEntries([['config.json', '{}'], ...names.map((name) => [name, 'PK'])]), 'repo'));
      expect(error.name).toBe('ModelLoadError');
      for (const name of names) expect(error.message).toContain(name);
      expect(error.message).toContain('pickle');
      expect(error.message).toContain('arbitrary code');
      expect(error.message).toContain('safe_serialization=True');
      expect(error.message).toContain('optimum-cli export onnx');
    }
  });

  it('probes the usual pickle name where the folder cannot be listed', async () => {
    const { list: _list, ...unlisted } = memoryModelFiles({ 'config.json': '{}', 'pytorch_model.bin': 'PK' }, 'urls');
    const reason = await locateModelWeights(unlisted);
    expect(reason).toContain('pytorch_model.bin');
    expect(reason).toContain('arbitrary code');
  });

  it('names the files found when there are no weights at all', async () => {
    const reason = await locateModelWeights(memoryModelFiles({ 'config.json': '{}', 'tokenizer.json': '{}' }, 'repo'));
    expect(reason).toBe(
      'repo has no model.safetensors nor model.safetensors.index.json (files found: config.json, tokenizer.json); the weights must be ' +
        'safetensors in the Hugging Face layout (in Python: model.save_pretrained(folder, safe_serialization=True))',
    );
  });
});
