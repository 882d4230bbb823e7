import { InseqError } from '../../errors/inseq-error';
import { escapeUntrusted, quoteUntrusted, untrustedJson } from '../../errors/quote-untrusted';
import { decodeTensorData } from './decode-tensor-data';
import { type SafetensorsDtype, isSafetensorsDtype, safetensorsDtypeSizes } from './safetensors-dtype';

/** One tensor of a safetensors file, converted to float32. */
export interface SafetensorsTensor {
  /** The dtype stored in the file, before conversion. */
  readonly dtype: SafetensorsDtype;
  readonly shape: number[];
  /** Row-major values, `shapeSize(shape)` of them. */
  readonly data: Float32Array;
}

/** A parsed safetensors file: its `__metadata__` and every tensor by name, in header order. */
export interface SafetensorsFile {
  metadata: Record<string, string>;
  tensors: Map<string, SafetensorsTensor>;
}

/** Options of {@link decodeSafetensors}. */
export interface DecodeSafetensorsOptions {
  /** How the bytes are named in error messages (a file name, a JSON field). @defaultValue `'safetensors data'` */
  readonly name?: string;
}

/** The reference implementation refuses headers above 100 MB; so do we, before allocating. */
const maxHeaderLength = 100_000_000;

/**
 * Reads safetensors bytes (https://huggingface.co/docs/safetensors): an 8-byte little-endian
 * header length `N`, `N` bytes of JSON `{name: {dtype, shape, data_offsets: [begin, end]}}` with an
 * optional `__metadata__` of strings, then the data section that the offsets index. Every tensor is
 * converted to float32 (`F16`, `BF16`, `F8_E4M3`, `F64` and the integer dtypes included).
 *
 * Everything is bounds-checked: a short or truncated buffer, an absurd header length, bad JSON,
 * unknown dtypes, negative or fractional dims, offsets outside the data section, overlapping
 * tensors or a byte length that does not match `shape × dtype` each throw {@link InseqError} with
 * code `'INVALID_FILE'`, naming the data (`options.name`), the tensor and the fault.
 *
 * @param bytes - the whole file or blob.
 */
export function decodeSafetensors(bytes: Uint8Array, options?: DecodeSafetensorsOptions): SafetensorsFile {
  const name = options?.name ?? 'safetensors data';
  const fail = (what: string): never => {
    throw new InseqError(`${name} is not a valid safetensors file: ${what}.`, { code: 'INVALID_FILE' });
  };

  if (bytes.length < 8) fail(`it has ${bytes.length} bytes, fewer than the 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getBigUint64(0, true);
  if (headerLength > BigInt(maxHeaderLength)) {
    fail(`its header length ${headerLength} exceeds the ${maxHeaderLength}-byte limit (the data is corrupt or not safetensors)`);
  }
  if (headerLength > BigInt(bytes.length - 8)) {
    fail(`its header length ${headerLength} runs past the end of the data (${bytes.length} bytes); it is truncated`);
  }
  const dataStart = 8 + Number(headerLength);
  const dataLength = bytes.length - dataStart;

  const header = parseHeader(bytes.subarray(8, dataStart), fail);
  const metadata = parseMetadata(header.__metadata__, fail);

  const entries: { name: string; dtype: SafetensorsDtype; shape: number[]; begin: number; end: number }[] = [];
  for (const [tensorName, value] of Object.entries(header)) {
    if (tensorName === '__metadata__') continue;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(`tensor ${quoteUntrusted(tensorName, 120)} is not an object`);
    const { dtype, shape, data_offsets: offsets } = value as Record<string, unknown>;
    if (!isSafetensorsDtype(dtype)) {
      fail(`tensor ${quoteUntrusted(tensorName, 120)} has dtype ${untrustedJson(dtype, 40)}; supported: ${Object.keys(safetensorsDtypeSizes).join(', ')}`);
    }
    if (!Array.isArray(shape) || !shape.every((dim) => Number.isSafeInteger(dim) && dim >= 0)) {
      fail(`tensor ${quoteUntrusted(tensorName, 120)} has shape ${untrustedJson(shape, 80)}; dims must be non-negative integers`);
    }
    if (
      !Array.isArray(offsets) ||
      offsets.length !== 2 ||
      !offsets.every((offset) => Number.isSafeInteger(offset) && offset >= 0) ||
      offsets[0] > offsets[1]
    ) {
      fail(`tensor ${quoteUntrusted(tensorName, 120)} has data_offsets ${untrustedJson(offsets, 80)}; expected [begin, end] with 0 <= begin <= end`);
    }
    const [begin, end] = offsets as [number, number];
    if (end > dataLength) {
      fail(`tensor ${quoteUntrusted(tensorName, 120)} ends at byte ${end} of the data section, which has only ${dataLength} bytes; it is truncated`);
    }
    const dims = shape as number[];
    const expected = dims.reduce((size, dim) => size * dim, 1) * safetensorsDtypeSizes[dtype as SafetensorsDtype];
    if (end - begin !== expected) {
      fail(`tensor ${quoteUntrusted(tensorName, 120)} has ${end - begin} bytes but ${dtype} [${dims.join(', ')}] needs ${expected}`);
    }
    entries.push({ name: tensorName, dtype: dtype as SafetensorsDtype, shape: dims, begin, end });
  }

  const byOffset = entries.filter((entry) => entry.end > entry.begin).sort((a, b) => a.begin - b.begin);
  for (let i = 1; i < byOffset.length; i++) {
    if (byOffset[i].begin < byOffset[i - 1].end) {
      fail(`tensors ${quoteUntrusted(byOffset[i - 1].name, 120)} and ${quoteUntrusted(byOffset[i].name, 120)} overlap in the data section`);
    }
  }

  const tensors = new Map<string, SafetensorsTensor>();
  for (const { name: tensorName, dtype, shape, begin, end } of entries) {
    const data = decodeTensorData(dtype, bytes.subarray(dataStart + begin, dataStart + end));
    tensors.set(tensorName, { dtype, shape, data });
  }
  return { metadata, tensors };
}

function parseHeader(headerBytes: Uint8Array, fail: (what: string) => never): Record<string, unknown> {
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(headerBytes));
  } catch (cause) {
    fail(`its header is not valid UTF-8 JSON (${escapeUntrusted((cause as Error).message)})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) fail('its header is not a JSON object');
  return header as Record<string, unknown>;
}

function parseMetadata(raw: unknown, fail: (what: string) => never): Record<string, string> {
  if (raw === undefined) return {};
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) fail('its __metadata__ is not an object');
  const metadata: Record<string, string> = {};
  for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
    if (typeof value !== 'string') fail(`its __metadata__ entry ${quoteUntrusted(key, 120)} is not a string`);
    metadata[key] = value as string;
  }
  return metadata;
}
