import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { datasetError } from './dataset-example';

/** Rows of a JSON Lines file, streamed; blank lines are skipped, a line that is not a JSON object is an error naming its line number. */
export async function* readJsonlRows(path: string): AsyncGenerator<Record<string, unknown>> {
  const lines = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Number.POSITIVE_INFINITY });
  let lineNumber = 0;
  for await (const line of lines) {
    lineNumber += 1;
    if (line.trim() === '') continue;
    let row: unknown;
    try {
      row = JSON.parse(line);
    } catch (error) {
      throw datasetError(`${path}:${lineNumber}: not valid JSON (${(error as Error).message}); JSON Lines files hold one JSON object per line.`, error);
    }
    if (row === null || typeof row !== 'object' || Array.isArray(row)) {
      throw datasetError(`${path}:${lineNumber}: expected a JSON object per line, got ${Array.isArray(row) ? 'an array' : JSON.stringify(row)}.`);
    }
    yield row as Record<string, unknown>;
  }
}
