import { createReadStream } from 'node:fs';
import { parse } from 'csv-parse';
import { datasetError } from './dataset-example';

/** Rows of a CSV (or TSV: `delimiter: '\t'`) file with a header row, streamed; quoted fields may hold commas, quotes and newlines. */
export async function* readCsvRows(path: string, options: { delimiter?: string } = {}): AsyncGenerator<Record<string, unknown>> {
  const parser = createReadStream(path).pipe(parse({ columns: true, delimiter: options.delimiter ?? ',', bom: true, relax_column_count: false }));
  try {
    for await (const row of parser) yield row as Record<string, unknown>;
  } catch (error) {
    throw datasetError(`${path}: not a valid ${options.delimiter === '\t' ? 'TSV' : 'CSV'} file with a header row (${(error as Error).message}).`, error);
  }
}
