import { InseqError } from '../errors/inseq-error';

/** True when `bytes` start with the gzip magic number `1f 8b`. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

async function pipe(bytes: Uint8Array, stream: CompressionStream | DecompressionStream): Promise<Uint8Array> {
  const output = new Blob([bytes as BlobPart]).stream().pipeThrough(stream);
  return new Uint8Array(await new Response(output).arrayBuffer());
}

function streams(): { Compression: typeof CompressionStream; Decompression: typeof DecompressionStream } {
  if (typeof CompressionStream === 'undefined' || typeof DecompressionStream === 'undefined') {
    throw new InseqError(
      'gzip needs the global CompressionStream/DecompressionStream (Node >= 18, current browsers); this runtime has none. Save without compression.', { code: 'INVALID_ARGUMENT' },
    );
  }
  return { Compression: CompressionStream, Decompression: DecompressionStream };
}

/**
 * Compresses with gzip through the global `CompressionStream` (browsers and Node alike), so the
 * web app can write `.json.gz` as the CLI does.
 */
export async function gzip(bytes: Uint8Array): Promise<Uint8Array> {
  return pipe(bytes, new (streams().Compression)('gzip'));
}

/**
 * Decompresses gzip through the global `DecompressionStream`.
 *
 * @param where - names the data in the error.
 * @throws InseqError `INVALID_FILE` when the data is not gzip or is truncated.
 */
export async function gunzip(bytes: Uint8Array, where = 'data'): Promise<Uint8Array> {
  const { Decompression } = streams();
  try {
    return await pipe(bytes, new Decompression('gzip'));
  } catch (cause) {
    throw new InseqError(`${where} is not valid gzip (truncated or corrupt): ${(cause as Error).message}.`, { code: 'INVALID_FILE', cause });
  }
}
