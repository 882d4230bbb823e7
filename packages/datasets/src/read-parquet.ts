import { open } from 'node:fs/promises';
import { type AsyncBuffer, parquetMetadataAsync, parquetReadObjects } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { datasetError } from './dataset-example';

/** Rows per read: a Parquet file is read a slice at a time, so memory stays bounded by this many rows (plus one row group's pages). */
const ROWS_PER_READ = 256;

async function openParquet(path: string) {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    const file: AsyncBuffer = {
      byteLength: size,
      async slice(start: number, end?: number) {
        const stop = end ?? size;
        const bytes = Buffer.alloc(stop - start);
        await handle.read(bytes, 0, bytes.length, start);
        return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length);
      },
    };
    try {
      return { handle, file, metadata: await parquetMetadataAsync(file) };
    } catch (error) {
      throw datasetError(`${path}: not a valid Parquet file (${(error as Error).message}).`, error);
    }
  } catch (error) {
    await handle.close();
    throw error;
  }
}

/** Rows of a Parquet file, from its footer. */
export async function parquetRowCount(path: string): Promise<number> {
  const { handle, metadata } = await openParquet(path);
  await handle.close();
  return Number(metadata.num_rows);
}

/**
 * Rows of a Parquet file (uncompressed, snappy, gzip, zstd, brotli, lz4), streamed `ROWS_PER_READ`
 * rows at a time; only the requested `columns` are decoded.
 */
export async function* readParquetRows(path: string, columns?: readonly string[]): AsyncGenerator<Record<string, unknown>> {
  const { handle, file, metadata } = await openParquet(path);
  try {
    const names = new Set(metadata.schema.slice(1).map((element) => element.name));
    const wanted = columns?.filter((name) => names.has(name));
    const rows = Number(metadata.num_rows);
    for (let rowStart = 0; rowStart < rows; rowStart += ROWS_PER_READ) {
      const rowEnd = Math.min(rows, rowStart + ROWS_PER_READ);
      const slice = await parquetReadObjects({ file, metadata, compressors, rowStart, rowEnd, ...(wanted && { columns: wanted }) });
      for (const row of slice) yield row as Record<string, unknown>;
    }
  } finally {
    await handle.close();
  }
}
