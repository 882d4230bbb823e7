import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { constants, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decoderOnlySequence, encoderDecoderSequence, outputOf } from '../data/output-fixture.test-support';
import { InseqError } from '../errors/inseq-error';
import { DEFAULT_MAX_OUTPUT_BYTES, gunzip, inflateChunks } from './gzip';
import { decodeInseqTensor } from './inseq-python/decode-inseq-tensor';
import { outputFromInseqJson } from './inseq-python/output-from-inseq-json';
import { outputToInseqJson } from './inseq-python/output-to-inseq-json';
import { MAX_JSON_DEPTH, parsePythonJson } from './inseq-python/parse-python-json';
import { loadOutput } from './load-output';
import { nestedToTensor } from './nested-array';
import { outputFromBytes } from './output-from-bytes';
import { outputFromJson, outputToJson } from './serialize-output';

const MiB = 1024 * 1024;

/** The error a promise or function ends in (fails the test when there is none). */
async function failure(run: () => unknown): Promise<InseqError> {
  try {
    await run();
  } catch (error) {
    expect(InseqError.isInstance(error), `expected an InseqError, got ${String(error)}`).toBe(true);
    return error as InseqError;
  }
  throw new Error('expected a failure, got a result');
}

/** A gzip bomb: `size` bytes of one repeated character inside a JSON string, at best compression (about 1000:1). */
function bomb(size: number): Uint8Array {
  const head = '{"format":"inseq-ts.feature_attribution_output","format_version":1,"sequence_attributions":[],"info":{"pad":"';
  const text = Buffer.alloc(size, 'a');
  text.write(head, 0);
  text.write('"}}', size - 3);
  return new Uint8Array(gzipSync(text, { level: constants.Z_BEST_COMPRESSION }));
}

describe('loading saved files: no unbounded inflation', () => {
  it('refuses a gzip bomb after inflating at most the limit plus one chunk, naming the limit and how to raise it', async () => {
    const compressed = bomb(64 * MiB);
    expect(compressed.length).toBeLessThan(100_000);
    let handed = 0;
    let largest = 0;
    const error = await failure(() =>
      inflateChunks(compressed, "'bomb.json.gz'", (chunk) => {
        handed += chunk.length;
        largest = Math.max(largest, chunk.length);
      }, { maxBytes: 2 * MiB, raiseHint: 'pass { maxBytes }' }),
    );
    expect(error.code).toBe('FILE_TOO_LARGE');
    expect(error.message).toContain("'bomb.json.gz' inflates past the limit of 2 MiB (2097152 bytes)");
    expect(error.message).toContain('raise the limit: pass { maxBytes }');
    // Only what fits under the limit reaches the consumer; the stream stops at the first chunk past it.
    expect(handed).toBeLessThanOrEqual(2 * MiB);
    expect(largest).toBeLessThanOrEqual(256 * 1024);
    for (const read of [() => outputFromBytes(compressed, { maxBytes: 2 * MiB }), () => gunzip(compressed, 'bomb', { maxBytes: 2 * MiB })]) {
      expect((await failure(read)).code).toBe('FILE_TOO_LARGE');
    }
    expect((await failure(() => outputFromBytes(compressed, { maxBytes: 2 * MiB }))).message).toContain('pass { maxBytes } to outputFromBytes');
  });

  it('loads the same kind of file when it fits, and the default limit is 512 MiB', async () => {
    expect(DEFAULT_MAX_OUTPUT_BYTES).toBe(512 * MiB);
    const output = await outputFromBytes(bomb(MiB), { maxBytes: 2 * MiB });
    const head = '{"format":"inseq-ts.feature_attribution_output","format_version":1,"sequence_attributions":[],"info":{"pad":"';
    expect((output.info.pad as string).length).toBe(MiB - head.length - '"}}'.length);
  });

  it('loadOutput reads through the same limit: a bomb, and a plain file larger than the limit before it is read', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'inseq-hostile-'));
    const gz = join(folder, 'bomb.json.gz');
    await writeFile(gz, bomb(8 * MiB));
    const error = await failure(() => loadOutput(gz, { maxBytes: MiB }));
    expect([error.code, error.message.includes(`'${gz}' inflates past the limit of 1 MiB`), error.message.includes('pass { maxBytes } to loadOutput')]).toEqual([
      'FILE_TOO_LARGE',
      true,
      true,
    ]);
    const plain = join(folder, 'big.json');
    await writeFile(plain, outputToJson(outputOf([decoderOnlySequence(64)])));
    const big = await failure(() => loadOutput(plain, { maxBytes: 1000, raiseHint: 'use --max-file-size' }));
    expect(big.code).toBe('FILE_TOO_LARGE');
    expect(big.message).toMatch(/is [\d.]+ KiB, over the limit of 1000 bytes .*raise the limit: use --max-file-size\.$/);
    expect((await loadOutput(plain)).sequence_attributions[0].target).toHaveLength(5);
  });

  it('refuses gzip inside gzip without inflating the inner layer (a 2 KB file that would inflate to 64 MiB twice over)', async () => {
    const inner = bomb(64 * MiB);
    const nested = new Uint8Array(gzipSync(inner, { level: constants.Z_BEST_COMPRESSION }));
    expect(nested.length).toBeLessThan(4096);
    const folder = await mkdtemp(join(tmpdir(), 'inseq-hostile-'));
    const path = join(folder, 'nested.json.gz');
    await writeFile(path, nested);
    const started = performance.now();
    for (const read of [() => loadOutput(path), () => outputFromBytes(nested), () => outputFromBytes(new Blob([nested]))]) {
      const error = await failure(read);
      expect(error.code).toBe('INVALID_FILE');
      expect(error.message).toContain('is gzip inside gzip; attribution files are inflated once only');
    }
    expect(performance.now() - started).toBeLessThan(5000);
  });

  it('checks a Blob (a dropped File) by its size before reading it, and streams gzip from it', async () => {
    const text = outputToJson(outputOf([decoderOnlySequence()]));
    const error = await failure(() => outputFromBytes(new Blob([text]), { maxBytes: 100, name: 'dropped.json' }));
    expect([error.code, error.message.startsWith('dropped.json is ')]).toEqual(['FILE_TOO_LARGE', true]);
    const gz = new Blob([gzipSync(text)]);
    expect((await outputFromBytes(gz)).sequence_attributions[0].target).toEqual(decoderOnlySequence().target);
  });

  it('refuses a limit that is not a positive number', async () => {
    for (const maxBytes of [0, -1, Number.NaN, '1' as unknown as number]) {
      expect((await failure(() => outputFromBytes('{}', { maxBytes }))).code).toBe('INVALID_ARGUMENT');
    }
  });

  it('inflates an old b64.gz __ndarray__ to at most the bytes its dtype and shape need, and within the file budget', async () => {
    const array = (shape: number[], raw: Uint8Array) => ({ __ndarray__: `b64.gz:${Buffer.from(gzipSync(raw)).toString('base64')}`, dtype: 'float32', shape, Corder: true });
    const four = new Uint8Array(Float32Array.of(1, 2, 3, 4).buffer);
    expect(await decodeInseqTensor(array([2, 2], four), 'x')).toEqual({ data: Float32Array.of(1, 2, 3, 4), shape: [2, 2] });
    const corrupt = await failure(() => decodeInseqTensor(array([2, 2], new Uint8Array(32 * MiB)), 'x'));
    expect([corrupt.code, corrupt.message]).toEqual(['INVALID_FILE', "Field 'x' inflates to more than the 16 bytes its dtype and shape need; it is corrupt."]);
    const huge = await failure(() => decodeInseqTensor(array([1_000_000_000], four), 'x', { left: MiB, raiseHint: 'pass { maxBytes }' }));
    expect(huge.code).toBe('FILE_TOO_LARGE');
    expect(huge.message).toContain("Field 'x' is a b64.gz array of 3.7 GiB (by its dtype and shape), over what is left of the limit of 1 MiB");
  });
});

describe('loading saved files: untrusted keys and values', () => {
  /** A Python Inseq file whose tokens are spelled like Object.prototype members, with a bare NaN (the slow path). */
  function pythonFileWithTokens(spellings: string[]): string {
    const sequence = decoderOnlySequence();
    const target = sequence.target.map((token, i) => ({ ...token, token: spellings[i % spellings.length] }));
    const document = JSON.parse(outputToInseqJson(outputOf([{ ...sequence, source: target.slice(0, 3), target }])));
    document.attributes.info.exec_time = '@NaN@';
    return JSON.stringify(document).replace('"@NaN@"', 'NaN');
  }

  it('reads tokens spelled constructor, toString, __proto__, hasOwnProperty from a file with bare NaN', async () => {
    const spellings = ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf'];
    const text = pythonFileWithTokens(spellings);
    expect(text).toContain('"exec_time":NaN');
    const output = await outputFromBytes(text);
    expect(output.sequence_attributions[0].target.map((token) => token.token)).toEqual(['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf']);
    expect(output.info.exec_time).toBeNaN();
    // The same strings as values anywhere stay strings.
    expect(parsePythonJson('{"a": ["constructor", NaN, "toString", "\\u0000inseq-ts:NaN"], "__proto__": "x"}', 'f')).toEqual(
      Object.defineProperty({ a: ['constructor', Number.NaN, 'toString', Number.NaN] }, '__proto__', { value: 'x', enumerable: true }),
    );
  });

  it('keeps score names and info keys as plain own keys in null-prototype records', async () => {
    const text = outputToJson(outputOf([decoderOnlySequence()])).replace('"probability":', '"constructor":').replace('"entropy":', '"__proto__":');
    const python = outputToInseqJson(outputOf([decoderOnlySequence()])).replace('"probability":', '"constructor":').replace('"entropy":', '"__proto__":');
    for (const output of [outputFromJson(text), await outputFromBytes(python)]) {
      const scores = output.sequence_attributions[0].step_scores;
      expect(Object.getPrototypeOf(scores)).toBeNull();
      expect(scores.toString).toBeUndefined();
      expect(Object.keys(scores)).toContain('constructor');
      expect(scores.constructor).toEqual({ data: Float32Array.of(0.5, 0.25), shape: [2] });
    }
    expect(Object.keys(outputFromJson(text).sequence_attributions[0].step_scores)).toEqual(['constructor', '__proto__']);
    expect(Object.keys((await outputFromBytes(python)).sequence_attributions[0].step_scores).sort()).toEqual(['__proto__', 'constructor']);
  });

  it('names an __ndarray__ of dtype "constructor" (or toString, __proto__) as an unsupported numpy dtype', async () => {
    for (const dtype of ['constructor', 'toString', '__proto__']) {
      const error = await failure(() => decodeInseqTensor({ __ndarray__: 'b64:AAAAAA==', dtype, shape: [1], Corder: true }, 'sequence_attributions[0].target_attributions'));
      expect(error.message).toBe(
        `Field 'sequence_attributions[0].target_attributions' is an __ndarray__ of dtype "${dtype}"; expected a numpy dtype name; supported: float64, float32, float16, int64, int32, int16, int8, uint64, uint32, uint16, uint8, bool.`,
      );
    }
  });

  it('refuses a 200,000-deep nested array with INVALID_FILE, in both formats, as text and as an object', async () => {
    const depth = 200_000;
    const deep = `${'['.repeat(depth)}1${']'.repeat(depth)}`;
    const inseqTs = outputToJson(outputOf([decoderOnlySequence()])).replace(/"target_attributions":\[.*?\]\],/, `"target_attributions":${deep},`);
    expect(inseqTs).toContain(deep);
    const python = outputToInseqJson(outputOf([encoderDecoderSequence()]), { compact: true }).replace(/"source_attributions":"[^"]*"/, `"source_attributions":${deep}`);
    expect(python).toContain(deep);
    for (const [label, read] of [
      ['inseq-ts text', () => outputFromBytes(inseqTs)],
      ['python text', () => outputFromBytes(python)],
      ['python text with NaN', () => outputFromBytes(python.replace('"exec_time":1.5', '"exec_time":NaN'))],
      ['inseq-ts object', () => outputFromJson(JSON.parse(inseqTs))],
      ['python object', () => outputFromInseqJson(JSON.parse(python))],
    ] as const) {
      const error = await failure(read);
      expect([label, error.code, error.message]).toEqual([label, 'INVALID_FILE', expect.stringContaining(`nests arrays or objects more than ${MAX_JSON_DEPTH} levels deep`)]);
    }
  });

  it('reads nested arrays without recursion, and checks a ragged one before allocating its claimed shape', () => {
    let nested: unknown = [1, 2];
    for (let i = 0; i < 20_000; i++) nested = [nested];
    const tensor = nestedToTensor(nested, 'deep');
    expect([tensor.shape.length, Array.from(tensor.data)]).toEqual([20_001, [1, 2]]);
    // First rows claim [1000, 1000, 1000] (4 GB of float32); the rest is short.
    const row = Array.from({ length: 1000 }, () => 0);
    const ragged = [[row, ...Array.from({ length: 999 }, () => [])], ...Array.from({ length: 999 }, () => [])];
    expect(() => nestedToTensor(ragged, 'Field x')).toThrow(/Field x is not a rectangular nested array \(ragged at depth 1/);
  });

  it('checks tokens, positions and field types of inseq-ts files', async () => {
    const good = JSON.parse(outputToJson(outputOf([decoderOnlySequence()])));
    const cases: [string, (file: typeof good) => void, string][] = [
      ['token not a string', (file) => {
        file.sequence_attributions[0].target[1] = { token: 5, id: 1 };
      }, 'sequence_attributions[0].target[1] is an object with keys "token", "id"; expected {"token": string, "id": number}'],
      ['token null', (file) => {
        file.sequence_attributions[0].source[0] = null;
      }, 'sequence_attributions[0].source[0] is null'],
      ['negative start', (file) => {
        file.sequence_attributions[0].attr_pos_start = -1;
      }, 'attr_pos_start -1 and attr_pos_end 5'],
      ['scores not an object', (file) => {
        file.sequence_attributions[0].step_scores = 'abc';
      }, 'step_scores is "abc", not an object of named scores'],
      ['info a list', (file) => {
        file.info = [1];
      }, "'info' is [1]; expected an object"],
      ['version fraction', (file) => {
        file.format_version = 1.5;
      }, 'format_version is 1.5'],
      ['packed base64 not a string', (file) => {
        file.sequence_attributions[0].target_attributions = { dtype: 'float16', shape: [1], base64: 5 };
      }, 'has base64 5; expected a base64 string'],
    ];
    for (const [label, mutate, fragment] of cases) {
      const file = structuredClone(good);
      mutate(file);
      const error = await failure(() => outputFromBytes(JSON.stringify(file), { name: 'out.json' }));
      expect([label, error.code, error.message]).toEqual([label, 'INVALID_FILE', expect.stringContaining(fragment)]);
    }
  });
});
