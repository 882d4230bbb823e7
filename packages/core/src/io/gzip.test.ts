import { gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { gunzip, gzip, isGzip } from './gzip';

describe('gzip through CompressionStream', () => {
  const bytes = new TextEncoder().encode('{"sequence_attributions": []}'.repeat(100));

  it('round-trips and interoperates with node:zlib both ways', async () => {
    const compressed = await gzip(bytes);
    expect(isGzip(compressed)).toBe(true);
    expect(isGzip(bytes)).toBe(false);
    expect(new Uint8Array(gunzipSync(compressed))).toEqual(bytes);
    expect(await gunzip(new Uint8Array(gzipSync(bytes)))).toEqual(bytes);
  });

  it('reports truncated gzip as INVALID_FILE', async () => {
    const compressed = await gzip(bytes);
    await expect(gunzip(compressed.subarray(0, compressed.length - 12), "'out.json.gz'")).rejects.toThrow(
      /'out.json.gz' is gzip but cannot be inflated \(truncated or corrupt\)/,
    );
  });
});
