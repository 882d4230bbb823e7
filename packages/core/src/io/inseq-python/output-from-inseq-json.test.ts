import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { InseqError } from '../../errors/inseq-error';
import { outputFromBytes } from '../output-from-bytes';
import { outputFromInseqJson } from './output-from-inseq-json';

/**
 * A safetensors blob built byte by byte, as Python's `safetensors.torch.save({"attribution": t},
 * metadata)` lays it out: u64 little-endian header length, the JSON header, the raw data. Encoded
 * with Node's Buffer, independently of inseq-ts's own base64 and safetensors writers.
 */
function blob(dtype: string, shape: number[], data: number[], metadata?: Record<string, string>): string {
  const header = JSON.stringify({
    ...(metadata ? { __metadata__: metadata } : {}),
    attribution: { dtype, shape, data_offsets: [0, data.length] },
  });
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(header.length));
  return Buffer.concat([length, Buffer.from(header, 'utf8'), Buffer.from(data)]).toString('base64');
}

// target_attributions [4 positions, 2 steps] = [[1, 0.5], [-0.25, 0.125], [NaN, 2], [NaN, NaN]], row-major.
const f32 = [
  ...[0x00, 0x00, 0x80, 0x3f], ...[0x00, 0x00, 0x00, 0x3f], ...[0x00, 0x00, 0x80, 0xbe], ...[0x00, 0x00, 0x00, 0x3e],
  ...[0x00, 0x00, 0xc0, 0x7f], ...[0x00, 0x00, 0x00, 0x40], ...[0x00, 0x00, 0xc0, 0x7f], ...[0x00, 0x00, 0xc0, 0x7f],
];
const f16 = [0x00, 0x3c, 0x00, 0x38, 0x00, 0xb4, 0x00, 0x30, 0x00, 0x7e, 0x00, 0x40, 0x00, 0x7e, 0x00, 0x7e];
const f8 = [0x38, 0x30, 0xa8, 0x20, 0x7f, 0x40, 0x7f, 0x7f];
const expected = [1, 0.5, -0.25, 0.125, Number.NaN, 2, Number.NaN, Number.NaN];
// probability per step: [0.5, 0.25]
const probabilities: Record<string, [string, number[]]> = {
  F32: ['F32', [0x00, 0x00, 0x00, 0x3f, 0x00, 0x00, 0x80, 0x3e]],
  F16: ['F16', [0x00, 0x38, 0x00, 0x34]],
  F8_E4M3: ['F8_E4M3', [0x30, 0x28]],
};

const token = (id: number, text: string) => ({ __instance_type__: ['inseq.utils.typing', 'TokenWithId'], attributes: { id, token: text } });

/** What Python Inseq ≥ 0.6 writes for a decoder-only model (GPT-2, saliency aggregated to tokens). */
function inseqDocument(dtype: string, data: number[]) {
  const [probabilityDtype, probabilityBytes] = probabilities[dtype];
  return {
    __instance_type__: ['inseq.data.attribution', 'FeatureAttributionOutput'],
    attributes: {
      info: { attribution_method: 'saliency', input_texts: ['Hello world'], generated_texts: ['Hello world, hi'], exec_time: 0.25 },
      sequence_attributions: [
        {
          __instance_type__: ['inseq.data.attribution', 'FeatureAttributionSequenceOutput'],
          attributes: {
            attr_pos_end: 4,
            attr_pos_start: 2,
            sequence_scores: null,
            source: [token(15496, 'Hello'), token(995, 'Ġworld')],
            source_attributions: null,
            step_scores: { probability: blob(probabilityDtype, [2], probabilityBytes) },
            target: [token(15496, 'Hello'), token(995, 'Ġworld'), token(11, ','), token(23105, 'Ġhi')],
            target_attributions: blob(dtype, [4, 2], data),
          },
        },
      ],
      step_attributions: null,
    },
  };
}

function expectNumbers(actual: Float32Array | undefined, values: number[]): void {
  expect(actual).toBeDefined();
  expect(Array.from(actual!).map((value) => (Number.isNaN(value) ? 'NaN' : value))).toEqual(
    values.map((value) => (Number.isNaN(value) ? 'NaN' : value)),
  );
}

describe('outputFromInseqJson', () => {
  for (const [dtype, data] of [
    ['F32', f32],
    ['F16', f16],
    ['F8_E4M3', f8],
  ] as const) {
    it(`loads a hand-written Python Inseq file with ${dtype} safetensors blobs to the right numbers`, async () => {
      const text = JSON.stringify(inseqDocument(dtype, [...data]), null, 4);
      for (const output of [await outputFromInseqJson(text), await outputFromBytes(new Uint8Array(gzipSync(text)))]) {
        const [sequence] = output.sequence_attributions;
        expect(sequence.source).toEqual([
          { token: 'Hello', id: 15496 },
          { token: 'Ġworld', id: 995 },
        ]);
        expect(sequence.target.map((item) => item.token)).toEqual(['Hello', 'Ġworld', ',', 'Ġhi']);
        expect(sequence.source_attributions).toBeNull();
        expect(sequence.target_attributions?.shape).toEqual([4, 2]);
        expectNumbers(sequence.target_attributions?.data, expected);
        expectNumbers(sequence.step_scores.probability.data, [0.5, 0.25]);
        expect(sequence.sequence_scores).toEqual({});
        expect([sequence.attr_pos_start, sequence.attr_pos_end]).toEqual([2, 4]);
        expect(output.info.attribution_method).toBe('saliency');
        expect(output.step_attributions).toBeNull();
      }
    });
  }

  it('dequantises int8/uint8 blobs with scale and zero_point metadata', async () => {
    const document = inseqDocument('F32', f32);
    // (q - 10) × 0.5 for q = 10, 12, 8, 30
    document.attributes.sequence_attributions[0].attributes.target_attributions = blob('U8', [2, 2], [10, 12, 8, 30], {
      scale: '0.5',
      zero_point: '10',
    });
    document.attributes.sequence_attributions[0].attributes.step_scores.probability = blob('I8', [2], [0xfe, 4], { scale: '0.25' });
    const [sequence] = (await outputFromInseqJson(document)).sequence_attributions;
    expectNumbers(sequence.target_attributions?.data, [0, 1, -1, 10]);
    expectNumbers(sequence.step_scores.probability.data, [-0.5, 1]);
  });

  it('reads older files: __ndarray__ (b64, b64.gz, lists, Fortran order), use_primitives lists with NaN, missing attr_pos_end', async () => {
    const raw = Buffer.from(Float32Array.of(1, 2, 3, 4, 5, 6).buffer);
    const text = `{
      "sequence_attributions": [{
        "source": [{"id": 1, "token": "a"}, {"id": 2, "token": "b"}],
        "target": [{"id": 3, "token": "c"}, {"id": 4, "token": "d"}, {"id": 5, "token": "e"}],
        "source_attributions": {"__ndarray__": "b64:${raw.toString('base64')}", "dtype": "float32", "shape": [2, 3], "Corder": true},
        "target_attributions": {"__ndarray__": "b64.gz:${gzipSync(raw).toString('base64')}", "dtype": "float32", "shape": [3, 2], "Corder": false},
        "step_scores": {"probability": [0.5, NaN, Infinity], "entropy": {"__ndarray__": [1, 2, 3], "dtype": "float64", "shape": [3]}},
        "sequence_scores": {},
        "attr_pos_start": 0,
        "attr_pos_end": null
      }],
      "step_attributions": null,
      "info": {"exec_time": NaN}
    }`;
    const output = await outputFromBytes(text);
    const [sequence] = output.sequence_attributions;
    expectNumbers(sequence.source_attributions?.data, [1, 2, 3, 4, 5, 6]);
    // Column-major bytes 1..6 of a [3, 2] array are the rows [1, 4], [2, 5], [3, 6].
    expectNumbers(sequence.target_attributions?.data, [1, 4, 2, 5, 3, 6]);
    expectNumbers(sequence.step_scores.probability.data, [0.5, Number.NaN, Number.POSITIVE_INFINITY]);
    expectNumbers(sequence.step_scores.entropy.data, [1, 2, 3]);
    expect(sequence.attr_pos_end).toBe(3);
    expect(output.info.exec_time).toBeNaN();
  });

  it('decodes step_attributions into plain objects with tensors', async () => {
    const document = inseqDocument('F32', f32) as { attributes: Record<string, unknown> };
    document.attributes.step_attributions = [
      {
        __instance_type__: ['inseq.data.attribution', 'GranularFeatureAttributionStepOutput'],
        attributes: {
          source_attributions: { __ndarray__: [[1, 2]], dtype: 'float32', shape: [1, 2] },
          step_scores: { probability: blob('F32', [1], [0x00, 0x00, 0x00, 0x3f]) },
          target: [[token(11, ',')]],
        },
      },
    ];
    const [step] = (await outputFromInseqJson(document)).step_attributions as Record<string, unknown>[];
    expect(step.source_attributions).toEqual({ data: Float32Array.of(1, 2), shape: [1, 2] });
    expect(step.step_scores).toEqual({ probability: { data: Float32Array.of(0.5), shape: [1] } });
    expect(step.target).toEqual([[{ id: 11, token: ',' }]]);
  });

  describe('rejects malformed files with INVALID_FILE naming the field', () => {
    async function expectInvalid(document: unknown, ...fragments: string[]) {
      let caught: unknown;
      try {
        await outputFromInseqJson(document as object);
      } catch (error) {
        caught = error;
      }
      expect(InseqError.isInstance(caught)).toBe(true);
      expect((caught as InseqError).code).toBe('INVALID_FILE');
      for (const fragment of fragments) expect((caught as InseqError).message).toContain(fragment);
    }
    const withTarget = (value: unknown) => {
      const document = inseqDocument('F32', f32);
      (document.attributes.sequence_attributions[0].attributes as Record<string, unknown>).target_attributions = value;
      return document;
    };

    it('a truncated safetensors blob', async () => {
      const truncated = Buffer.from(blob('F32', [4, 2], f32), 'base64').subarray(0, 60).toString('base64');
      await expectInvalid(withTarget(truncated), "Field 'sequence_attributions[0].target_attributions'", 'truncated');
    });

    it('an unknown dtype inside a blob, and bad base64', async () => {
      await expectInvalid(withTarget(blob('F8_E5M2', [1], [0])), 'target_attributions', "dtype \"F8_E5M2\"", 'supported: ');
      await expectInvalid(withTarget('not base64!'), 'target_attributions', 'not valid base64');
    });

    it('an unknown __instance_type__', async () => {
      const document = inseqDocument('F32', f32);
      document.attributes.sequence_attributions[0].__instance_type__ = ['mypackage.outputs', 'MyOutput'];
      await expectInvalid(document, 'sequence_attributions[0]', '["mypackage.outputs","MyOutput"]', 'FeatureAttributionSequenceOutput');
      await expectInvalid({ __instance_type__: ['inseq.data.attribution', 'Batch'], attributes: {} }, 'top-level', 'FeatureAttributionOutput');
    });

    it('an unknown __ndarray__ dtype, a value of the wrong type, and missing tokens', async () => {
      await expectInvalid(withTarget({ __ndarray__: 'b64:AAAA', dtype: 'complex64', shape: [1] }), 'complex64', 'supported: float64');
      await expectInvalid(withTarget({ a: 1 }), 'target_attributions', 'expected a base64 safetensors string');
      const document = inseqDocument('F32', f32);
      (document.attributes.sequence_attributions[0].attributes as Record<string, unknown>).target = null;
      await expectInvalid(document, 'sequence_attributions[0].target is not a list of tokens');
    });

    it('a file that is neither format', async () => {
      await expect(outputFromBytes('{"hello": 1}', { name: "Attribution file 'x.json'" })).rejects.toThrow(
        /Attribution file 'x.json' is neither an inseq-ts attribution file .* nor a Python Inseq one/,
      );
      await expect(outputFromBytes(Uint8Array.of(0xff, 0xfe, 0x00))).rejects.toThrow(/not UTF-8 text/);
    });
  });
});
