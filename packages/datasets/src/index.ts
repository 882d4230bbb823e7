export { type DatasetExample, type TextFields, datasetError, exampleFromRow } from './dataset-example';
export { readJsonlRows } from './read-jsonl';
export { readCsvRows } from './read-csv';
export { readParquetRows } from './read-parquet';
export { DATA_FILE_EXTENSIONS, type FolderSelection, globToRegExp, resolveFolderFiles } from './resolve-local-files';
export { type DatasetSource, type ResolvedDataset, countExamples, readExamples, readRows, resolveDataset } from './load-dataset';
export { type AttributionLog, type AttributionRunIdentity, metaPath, openAttributionLog } from './attribution-log';
export { type DatasetProgress, type RunDatasetAttributionOptions, exampleLine, exampleLineOfJson, runDatasetAttribution } from './run-dataset-attribution';
