import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, relative } from 'node:path';
import { type HubOptions, hubModelFiles, parseHubId } from '@inseq/hub';
import { type DatasetExample, type TextFields, datasetError, exampleFromRow } from './dataset-example';
import { readCsvRows } from './read-csv';
import { readJsonlRows } from './read-jsonl';
import { parquetRowCount, readParquetRows } from './read-parquet';
import { type FolderSelection, DATA_FILE_EXTENSIONS, localKind, resolveFolderFiles, selectSplitFiles } from './resolve-local-files';

/** What `inseq attribute-dataset` reads: Inseq's `--dataset-*` and `--*-text-field` flags. */
export interface DatasetSource extends FolderSelection, TextFields {
  /**
   * A data file (.jsonl, .json, .csv, .tsv, .parquet), a folder in the Hugging Face `datasets`
   * layout, or (when no such local path exists) a Hub dataset id `org/name[@revision]`.
   */
  readonly name: string;
  /** Hub options for a dataset id (revision, token, endpoint, cacheDir, offline, onProgress; the environment as for models). */
  readonly hub?: Omit<HubOptions, 'repoType'>;
}

/** A source resolved to its files, with its fingerprint. */
export interface ResolvedDataset {
  readonly source: DatasetSource;
  /** Absolute paths, in reading order. */
  readonly files: readonly string[];
  /**
   * `sha256:<hex>` of the selection (split, config, text fields) and of every selected file's path
   * relative to the dataset root and its bytes' sha256: the same data read the same way gives the
   * same fingerprint wherever the folder sits; any edited byte changes it.
   */
  readonly fingerprint: string;
}

async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Resolves `source` to its data files and fingerprints them (reads every selected byte once). */
export async function resolveDataset(source: DatasetSource): Promise<ResolvedDataset> {
  const kind = localKind(source.name);
  let files: string[];
  let names: string[];
  if (kind === undefined) {
    if (parseHubId(source.name) === undefined || !source.name.includes('/')) {
      throw datasetError(
        `Dataset '${source.name}' not found: give a local data file (${DATA_FILE_EXTENSIONS.join(', ')}), a folder in the Hugging Face datasets layout, or a Hub dataset id 'org/name'.`,
      );
    }
    // A Hub dataset repository: the same selection over its file listing, the chosen files downloaded into the Hugging Face cache.
    const repo = await hubModelFiles(source.name, { ...source.hub, repoType: 'dataset' });
    const list = repo.list?.bind(repo);
    const localPath = repo.localPath?.bind(repo);
    if (!list || !localPath) throw datasetError(`Hub dataset ids need a file listing and a local cache (Node); '${source.name}' cannot be read here.`);
    const listing = await list();
    const readme = listing.includes('README.md') ? new TextDecoder().decode(await repo.read('README.md')) : undefined;
    names = selectSplitFiles(listing, readme, source, repo.location);
    files = [];
    for (const name of names) {
      const path = await localPath(name);
      if (path === undefined) throw datasetError(`${repo.location}: '${name}' has no local path in the cache.`);
      files.push(path);
    }
  } else {
    files = kind === 'file' ? [source.name] : resolveFolderFiles(source.name, source);
    names = files.map((file) => (kind === 'file' ? basename(file) : relative(source.name, file).split('\\').join('/')));
  }
  const fileHashes = [];
  for (const [i, file] of files.entries()) fileHashes.push({ path: names[i], sha256: await sha256OfFile(file) });
  const identity = {
    split: source.split ?? 'train',
    config: source.config ?? null,
    dir: source.dir ?? null,
    inputTextField: source.inputTextField ?? 'text',
    generatedTextField: source.generatedTextField ?? null,
    files: fileHashes,
  };
  const fingerprint = `sha256:${createHash('sha256').update(JSON.stringify(identity)).digest('hex')}`;
  return { source, files, fingerprint };
}

async function* readJsonArray(path: string): AsyncGenerator<Record<string, unknown>> {
  let rows: unknown;
  try {
    rows = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw datasetError(`${path}: not valid JSON (${(error as Error).message}).`, error);
  }
  if (!Array.isArray(rows)) throw datasetError(`${path}: a .json dataset file holds a JSON array of objects or one object per line.`);
  for (const row of rows) yield row as Record<string, unknown>;
}

async function firstByte(path: string): Promise<string> {
  for await (const chunk of createReadStream(path, { start: 0, end: 255, encoding: 'utf8' })) return (chunk as string).trimStart()[0] ?? '';
  return '';
}

/** Rows of one data file, by its extension. */
export async function* readRows(path: string, columns?: readonly string[]): AsyncGenerator<Record<string, unknown>> {
  const lower = path.toLowerCase();
  if (lower.endsWith('.parquet')) yield* readParquetRows(path, columns);
  else if (lower.endsWith('.csv')) yield* readCsvRows(path);
  else if (lower.endsWith('.tsv')) yield* readCsvRows(path, { delimiter: '\t' });
  else if (lower.endsWith('.jsonl')) yield* readJsonlRows(path);
  else if (lower.endsWith('.json')) yield* (await firstByte(path)) === '[' ? readJsonArray(path) : readJsonlRows(path);
  else throw datasetError(`${path}: unsupported data file type; supported: ${DATA_FILE_EXTENSIONS.join(', ')}.`);
}

/**
 * The examples of a resolved dataset, streamed in order: files in order, rows in order, `index`
 * counting rows from 0 across files. Stops after `maxExamples` rows.
 */
export async function* readExamples(dataset: ResolvedDataset, options: { maxExamples?: number } = {}): AsyncGenerator<DatasetExample> {
  const { source } = dataset;
  const columns = [source.inputTextField ?? 'text', ...(source.generatedTextField === undefined ? [] : [source.generatedTextField])];
  const limit = options.maxExamples ?? Number.POSITIVE_INFINITY;
  let index = 0;
  for (const file of dataset.files) {
    for await (const row of readRows(file, columns)) {
      if (index >= limit) return;
      yield exampleFromRow(row, index, source, file);
      index += 1;
    }
  }
}

/** How many examples {@link readExamples} will yield (at most `maxExamples`): Parquet row counts from the footers, other files by one streamed pass. */
export async function countExamples(dataset: ResolvedDataset, options: { maxExamples?: number } = {}): Promise<number> {
  const limit = options.maxExamples ?? Number.POSITIVE_INFINITY;
  let count = 0;
  for (const file of dataset.files) {
    if (count >= limit) break;
    if (file.toLowerCase().endsWith('.parquet')) count += await parquetRowCount(file);
    else for await (const _ of readRows(file)) if (++count >= limit) break;
  }
  return Math.min(count, limit);
}
