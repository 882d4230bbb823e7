import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { deepEqual } from '../../data/deep-equal';
import type { FeatureAttributionOutput, SequenceAttribution, TokenWithId } from '../../data/feature-attribution-output';
import { decoderOnlySequence, encoderDecoderSequence, outputOf } from '../../data/output-fixture.test-support';
import { InseqError } from '../../errors/inseq-error';
import type { Tensor } from '../../tensor';
import { gunzip } from '../gzip';
import { outputFromInseqJson } from '../inseq-python/output-from-inseq-json';
import { outputToInseqJson } from '../inseq-python/output-to-inseq-json';
import { parsePythonJson } from '../inseq-python/parse-python-json';
import { loadOutput } from '../load-output';
import { outputFromBytes } from '../output-from-bytes';
import { outputFromJson, outputToJson } from '../serialize-output';
import {
  describeBytes,
  fuzzParameters,
  fuzzTimeout,
  mutatedBytes,
  mutatedJson,
  prototypeKeys,
  randomBytes,
  resultOrInseqError,
} from './fuzz-support';

/**
 * Fuzzers of every parser of saved attribution files: Python Inseq JSON, inseq-ts JSON (plain and
 * gzipped) and gzip. The normal `vitest run` runs a few hundred seeded cases per property; the long
 * run is `pnpm --filter @inseq/core fuzz` (FUZZ_RUNS, FUZZ_SEED).
 */

const MiB = 1024 * 1024;
/** A small limit, so a mutated file that inflates far is refused quickly. */
const maxBytes = 4 * MiB;
const encoder = new TextEncoder();

const fixture = readFileSync(new URL('../../../test-fixtures/inseq-python/marian-saliency-float16.json', import.meta.url), 'utf8');

const outputs: FeatureAttributionOutput[] = [
  outputOf([decoderOnlySequence()]),
  outputOf([decoderOnlySequence(3), decoderOnlySequence()]),
  outputOf([encoderDecoderSequence()]),
];

/** Python Inseq's older layouts: `__ndarray__` objects (b64, b64.gz) and `use_primitives` nested lists with bare NaN. */
function olderPythonLayouts(output: FeatureAttributionOutput): string[] {
  const document = JSON.parse(outputToInseqJson(output));
  const sequences = document.attributes.sequence_attributions;
  const withTensors = (encode: (tensor: Tensor) => unknown) => {
    const copy = structuredClone(document);
    copy.attributes.sequence_attributions.forEach((sequence: { attributes: Record<string, unknown> }, i: number) => {
      const original = output.sequence_attributions[i];
      for (const field of ['source_attributions', 'target_attributions'] as const) {
        const tensor = original[field];
        sequence.attributes[field] = tensor ? encode(tensor) : null;
      }
      sequence.attributes.step_scores = Object.fromEntries(Object.entries(original.step_scores).map(([name, tensor]) => [name, encode(tensor)]));
    });
    return copy;
  };
  const raw = (tensor: Tensor) => new Uint8Array(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength);
  const ndarray = (prefix: string, bytes: (tensor: Tensor) => Uint8Array) => (tensor: Tensor) => ({
    __ndarray__: `${prefix}${Buffer.from(bytes(tensor)).toString('base64')}`,
    dtype: 'float32',
    shape: [...tensor.shape],
    Corder: true,
  });
  const nested = (tensor: Tensor): unknown => {
    const build = (axis: number, offset: number): unknown => {
      if (axis === tensor.shape.length) return Number.isNaN(tensor.data[offset]) ? '@NaN@' : tensor.data[offset];
      const stride = tensor.shape.slice(axis + 1).reduce((a, b) => a * b, 1);
      return Array.from({ length: tensor.shape[axis] }, (_, i) => build(axis + 1, offset + i * stride));
    };
    return build(0, 0);
  };
  expect(sequences.length).toBe(output.sequence_attributions.length);
  return [
    JSON.stringify(withTensors(ndarray('b64:', raw))),
    JSON.stringify(withTensors(ndarray('b64.gz:', (tensor) => gzipSync(raw(tensor))))),
    JSON.stringify(withTensors(nested)).replace(/"@NaN@"/g, 'NaN'),
  ];
}

const texts: string[] = [
  fixture,
  ...outputs.flatMap((output) => [
    outputToJson(output),
    outputToJson(output, { scoresPrecision: 'float16' }),
    outputToJson(output, { scoresPrecision: 'float8', indent: 2 }),
    outputToInseqJson(output),
    outputToInseqJson(output, { scoresPrecision: 'float16', compact: true }),
    outputToInseqJson(output, { scoresPrecision: 'float8', compact: true }),
    ...olderPythonLayouts(output),
  ]),
];
const plainSeeds = texts.map((text) => encoder.encode(text));
const gzipSeeds = plainSeeds.map((bytes) => new Uint8Array(gzipSync(bytes)));
const documents = texts.map((text) => parsePythonJson(text, 'seed'));

/** Every kind of input a saved-file reader can be handed. */
const anyFileBytes: fc.Arbitrary<Uint8Array | string> = fc.oneof(
  { arbitrary: mutatedBytes(plainSeeds), weight: 3 },
  { arbitrary: mutatedBytes(gzipSeeds), weight: 2 },
  { arbitrary: mutatedJson(documents), weight: 3 },
  { arbitrary: mutatedJson(documents).map((text) => new Uint8Array(gzipSync(text))), weight: 1 },
  { arbitrary: randomBytes(), weight: 1 },
  { arbitrary: fc.string({ unit: 'binary', maxLength: 200 }), weight: 1 },
);

describe('fuzzing saved-file parsers: every input ends in a result or an InseqError', () => {
  it('every seed is a valid file (so mutations start from real outputs)', async () => {
    for (const [i, bytes] of [...plainSeeds, ...gzipSeeds].entries()) {
      const output = await outputFromBytes(bytes, { name: `seed ${i}` });
      expect(output.sequence_attributions.length).toBeGreaterThan(0);
    }
  });

  it(
    'outputFromBytes (inseq-ts and Python Inseq, plain and gzipped, mutated or random)',
    async () => {
      await fc.assert(
        fc.asyncProperty(anyFileBytes, fc.boolean(), async (data, asBlob) => {
          // A Blob is what the web app hands over for a dropped file.
          const input = asBlob && typeof data !== 'string' ? new Blob([data as BlobPart]) : data;
          const outcome = await resultOrInseqError(() => outputFromBytes(input, { maxBytes }), () => describeBytes(data));
          if (!InseqError.isInstance(outcome)) expect(Array.isArray(outcome.sequence_attributions)).toBe(true);
        }),
        fuzzParameters(120),
      );
    },
    fuzzTimeout(),
  );

  it(
    'loadOutput (node:zlib with maxOutputLength) on mutated and random files',
    async () => {
      const folder = mkdtempSync(join(tmpdir(), 'inseq-fuzz-'));
      try {
        let count = 0;
        await fc.assert(
          fc.asyncProperty(anyFileBytes, async (data) => {
            const path = join(folder, `case-${count++}.json`);
            writeFileSync(path, data);
            const outcome = await resultOrInseqError(() => loadOutput(path, { maxBytes }), () => describeBytes(data));
            if (!InseqError.isInstance(outcome)) expect(Array.isArray(outcome.sequence_attributions)).toBe(true);
            rmSync(path);
          }),
          fuzzParameters(40),
        );
      } finally {
        rmSync(folder, { recursive: true, force: true });
      }
    },
    fuzzTimeout(),
  );

  it(
    'gunzip (mutated gzip of real files, random bytes) never passes its limit',
    async () => {
      const limit = 64 * 1024;
      await fc.assert(
        fc.asyncProperty(fc.oneof(mutatedBytes(gzipSeeds), randomBytes()), async (bytes) => {
          const outcome = await resultOrInseqError(() => gunzip(bytes, 'fuzzed', { maxBytes: limit }), () => describeBytes(bytes));
          if (!InseqError.isInstance(outcome)) expect(outcome.length).toBeLessThanOrEqual(limit);
          else expect(['INVALID_FILE', 'FILE_TOO_LARGE']).toContain(outcome.code);
        }),
        fuzzParameters(80),
      );
    },
    fuzzTimeout(),
  );

  it(
    'parsePythonJson, outputFromJson and outputFromInseqJson on mutated documents, as text and as objects',
    async () => {
      await fc.assert(
        fc.asyncProperty(mutatedJson(documents), async (text) => {
          const parsed = await resultOrInseqError(() => parsePythonJson(text, 'fuzzed'), () => describeBytes(text));
          if (InseqError.isInstance(parsed)) return;
          await resultOrInseqError(() => outputFromJson(parsed as object), () => describeBytes(text));
          await resultOrInseqError(() => outputFromInseqJson(parsed as object, { maxInflatedBytes: maxBytes }), () => describeBytes(text));
          await resultOrInseqError(() => outputFromJson(text), () => describeBytes(text));
        }),
        fuzzParameters(80),
      );
    },
    fuzzTimeout(),
  );
});

// Valid outputs drawn at random: every format must give back exactly what was saved.
const tokenText = fc.oneof(fc.string({ unit: 'binary', maxLength: 8 }), fc.constantFrom(...prototypeKeys, 'NaN', 'Infinity', '"', '\\'));
const value = fc.oneof({ arbitrary: fc.float({ noDefaultInfinity: true }), weight: 5 }, fc.constant(Number.NaN));
const tensorOf = (shape: number[]) => fc.array(value, { minLength: shape.reduce((a, b) => a * b, 1), maxLength: shape.reduce((a, b) => a * b, 1) }).map((values) => ({ data: Float32Array.from(values), shape }));

const sequenceArbitrary: fc.Arbitrary<SequenceAttribution> = fc
  .record({
    tokens: fc.array(fc.record({ token: tokenText, id: fc.nat({ max: 100_000 }) }), { minLength: 1, maxLength: 6 }),
    sourceLength: fc.nat({ max: 4 }),
    seq2seq: fc.boolean(),
    hidden: fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined }),
    start: fc.nat({ max: 6 }),
    length: fc.nat({ max: 6 }),
    scoreNames: fc.uniqueArray(fc.constantFrom('probability', 'entropy', ...prototypeKeys), { maxLength: 3 }),
  })
  .chain(({ tokens, sourceLength, seq2seq, hidden, start, length, scoreNames }) => {
    const target: TokenWithId[] = tokens;
    const source: TokenWithId[] = seq2seq ? tokens.slice(0, sourceLength).map((token) => ({ ...token, token: `src ${token.token}` })) : target.slice(0, Math.min(sourceLength, target.length));
    const attrStart = Math.min(start, target.length);
    const attrEnd = Math.min(attrStart + length, target.length);
    const steps = attrEnd - attrStart;
    const trailing = hidden === undefined ? [] : [hidden];
    return fc.record({
      source: fc.constant(source),
      target: fc.constant(target),
      source_attributions: seq2seq ? tensorOf([source.length, steps, ...trailing]) : fc.constant(null),
      target_attributions: tensorOf([target.length, steps, ...trailing]),
      step_scores: fc.tuple(...scoreNames.map(() => tensorOf([steps]))).map((tensors) => Object.fromEntries(scoreNames.map((name, i) => [name, tensors[i]]))),
      sequence_scores: fc.constant({}),
      attr_pos_start: fc.constant(attrStart),
      attr_pos_end: fc.constant(attrEnd),
    });
  });

function sameSequence(loaded: SequenceAttribution, saved: SequenceAttribution): boolean {
  // Equal values, NaN included; -0 reads back as 0 from JSON (which has no -0).
  const values = (a: Float32Array, b: Float32Array) => a.length === b.length && a.every((x, i) => x === b[i] || (Number.isNaN(x) && Number.isNaN(b[i])));
  const tensors = (a: Tensor | null, b: Tensor | null) => (a === null || b === null ? a === b : deepEqual(a.shape, b.shape) && values(a.data, b.data));
  const scores = (a: Record<string, Tensor>, b: Record<string, Tensor>) =>
    deepEqual(Object.keys(a).sort(), Object.keys(b).sort()) && Object.keys(b).every((name) => tensors(a[name], b[name]));
  return (
    deepEqual(loaded.source, saved.source) &&
    deepEqual(loaded.target, saved.target) &&
    tensors(loaded.source_attributions, saved.source_attributions) &&
    tensors(loaded.target_attributions, saved.target_attributions) &&
    scores(loaded.step_scores, saved.step_scores) &&
    loaded.attr_pos_start === saved.attr_pos_start &&
    loaded.attr_pos_end === saved.attr_pos_end
  );
}

describe('fuzzing saved-file parsers: random valid outputs round-trip', () => {
  it(
    'inseq-ts and Python Inseq files, plain and gzipped, load to exactly what was saved (float32)',
    async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(sequenceArbitrary, { minLength: 1, maxLength: 2 }), fc.boolean(), async (sequences, compress) => {
          const output = outputOf(sequences, { [prototypeKeys[1]]: 'info key', note: 'constructor' });
          // The third is Python's text with a bare NaN (json.dumps of a float nan), which takes the NaN-tolerant parser.
          const pythonWithNaN = outputToInseqJson(output, { compact: true }).replace('"info":{', '"info":{"nan_value":NaN,');
          expect(pythonWithNaN).toContain('NaN,');
          for (const text of [outputToJson(output), outputToInseqJson(output), pythonWithNaN]) {
            const bytes = encoder.encode(text);
            const loaded = await outputFromBytes(compress ? new Uint8Array(gzipSync(bytes)) : bytes);
            expect(loaded.sequence_attributions).toHaveLength(sequences.length);
            for (const [i, sequence] of sequences.entries()) expect(sameSequence(loaded.sequence_attributions[i], sequence), `sequence ${i} of ${text.slice(0, 2000)}`).toBe(true);
            expect([loaded.info.constructor, loaded.info.note]).toEqual(['info key', 'constructor']);
          }
        }),
        fuzzParameters(60),
      );
    },
    fuzzTimeout(),
  );
});
