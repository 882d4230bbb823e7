import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { describe, expect, it } from 'vitest';
import { readExamples, resolveDataset } from './load-dataset';
import { readCsvRows } from './read-csv';
import { readParquetRows } from './read-parquet';

const dir = () => mkdtempSync(join(tmpdir(), 'inseq-ds-'));
const collect = async <T>(items: AsyncIterable<T>) => {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
};

function writeParquet(path: string, columns: Record<string, string[]>, codec?: 'SNAPPY' | 'GZIP' | 'UNCOMPRESSED', rowGroupSize?: number) {
  const columnData = Object.entries(columns).map(([name, data]) => ({ name, data, type: 'STRING' as const }));
  const compressors = { GZIP: (input: Uint8Array) => new Uint8Array(gzipSync(input)) };
  const buffer = parquetWriteBuffer({ columnData, ...(codec && { codec }), compressors, ...(rowGroupSize && { rowGroupSize }) } as Parameters<typeof parquetWriteBuffer>[0]);
  writeFileSync(path, new Uint8Array(buffer));
}

describe('dataset readers', () => {
  it('reads JSON Lines rows in order, skipping blank lines, with index across the file', async () => {
    const folder = dir();
    const file = join(folder, 'data.jsonl');
    writeFileSync(file, '{"text":"a b","gen":"a b c"}\n\n{"text":"é \\"q\\"","gen":"x"}\r\n');
    const dataset = await resolveDataset({ name: file, generatedTextField: 'gen' });
    expect(await collect(readExamples(dataset))).toEqual([
      { index: 0, inputText: 'a b', generatedText: 'a b c' },
      { index: 1, inputText: 'é "q"', generatedText: 'x' },
    ]);
  });

  it('names the line of invalid JSON and a missing field', async () => {
    const folder = dir();
    writeFileSync(join(folder, 'bad.jsonl'), '{"text":"ok"}\n{"text": nope}\n');
    await expect(collect(readExamples(await resolveDataset({ name: join(folder, 'bad.jsonl') })))).rejects.toThrow(/bad\.jsonl:2: not valid JSON/);
    writeFileSync(join(folder, 'nofield.jsonl'), '{"sentence":"ok"}\n');
    await expect(collect(readExamples(await resolveDataset({ name: join(folder, 'nofield.jsonl') })))).rejects.toThrow(/no field 'text'; its fields are 'sentence'.*--input-text-field/);
  });

  it('reads CSV fields holding quotes, commas and newlines, and TSV', async () => {
    const folder = dir();
    writeFileSync(join(folder, 'd.csv'), 'id,text\n1,"Hello, ""world""\nsecond line"\n2,plain\n');
    expect(await collect(readCsvRows(join(folder, 'd.csv')))).toEqual([
      { id: '1', text: 'Hello, "world"\nsecond line' },
      { id: '2', text: 'plain' },
    ]);
    writeFileSync(join(folder, 'd.tsv'), 'text\tother\na, b\t"x"\n');
    const examples = await collect(readExamples(await resolveDataset({ name: join(folder, 'd.tsv') })));
    expect(examples).toEqual([{ index: 0, inputText: 'a, b' }]);
  });

  it.each(['UNCOMPRESSED', 'SNAPPY', 'GZIP'] as const)('reads Parquet (%s) values as written, across row groups and read slices', async (codec) => {
    const folder = dir();
    const texts = Array.from({ length: 600 }, (_, i) => `row ${i} ${'é'.repeat(i % 7)}`);
    const other = texts.map((_, i) => String(i * 3));
    writeParquet(join(folder, 'd.parquet'), { text: texts, other }, codec, 250);
    const rows = await collect(readParquetRows(join(folder, 'd.parquet')));
    expect(rows.map((row) => row.text)).toEqual(texts);
    expect(rows.map((row) => row.other)).toEqual(other);
    const examples = await collect(readExamples(await resolveDataset({ name: join(folder, 'd.parquet') }), { maxExamples: 300 }));
    expect(examples.length).toBe(300);
    expect(examples[299]).toEqual({ index: 299, inputText: texts[299] });
  });

  it('finds split files in a Hugging Face datasets folder, indexing rows across files', async () => {
    const folder = dir();
    mkdirSync(join(folder, 'data'));
    writeParquet(join(folder, 'data', 'train-00000-of-00002.parquet'), { text: ['t0', 't1'] });
    writeParquet(join(folder, 'data', 'train-00001-of-00002.parquet'), { text: ['t2'] });
    writeParquet(join(folder, 'data', 'test-00000-of-00001.parquet'), { text: ['s0'] });
    const train = await collect(readExamples(await resolveDataset({ name: folder })));
    expect(train.map((e) => [e.index, e.inputText])).toEqual([[0, 't0'], [1, 't1'], [2, 't2']]);
    const test = await collect(readExamples(await resolveDataset({ name: folder, split: 'test' })));
    expect(test.map((e) => e.inputText)).toEqual(['s0']);
    await expect(resolveDataset({ name: folder, split: 'validation' })).rejects.toThrow(/no split 'validation'; splits found: (train, test|test, train)/);
  });

  it('reads <split>.jsonl, <config>/<split>/ folders, --dataset-files globs and README configs', async () => {
    const folder = dir();
    writeFileSync(join(folder, 'train.jsonl'), '{"text":"a"}\n');
    writeFileSync(join(folder, 'dev.jsonl'), '{"text":"v"}\n');
    expect((await collect(readExamples(await resolveDataset({ name: folder, split: 'validation' })))).map((e) => e.inputText)).toEqual(['v']);
    const nested = dir();
    mkdirSync(join(nested, 'en', 'train'), { recursive: true });
    mkdirSync(join(nested, 'fr', 'train'), { recursive: true });
    writeFileSync(join(nested, 'en', 'train', 'x.jsonl'), '{"text":"hello"}\n');
    writeFileSync(join(nested, 'fr', 'train', 'x.jsonl'), '{"text":"bonjour"}\n');
    expect((await collect(readExamples(await resolveDataset({ name: nested, config: 'fr' })))).map((e) => e.inputText)).toEqual(['bonjour']);
    expect((await collect(readExamples(await resolveDataset({ name: nested, files: ['*/train/*.jsonl'] })))).map((e) => e.inputText)).toEqual(['hello', 'bonjour']);
    writeFileSync(
      join(nested, 'README.md'),
      '---\nconfigs:\n- config_name: both\n  data_files:\n  - split: train\n    path: "*/train/*.jsonl"\n- config_name: french\n  default: true\n  data_files:\n  - split: train\n    path: fr/train/x.jsonl\n---\n# card\n',
    );
    expect((await collect(readExamples(await resolveDataset({ name: nested })))).map((e) => e.inputText)).toEqual(['bonjour']);
    expect((await collect(readExamples(await resolveDataset({ name: nested, config: 'both' })))).map((e) => e.inputText)).toEqual(['hello', 'bonjour']);
    await expect(resolveDataset({ name: nested, config: 'de' })).rejects.toThrow(/no config 'de' in README\.md; configs: both, french/);
    // --dataset-dir: the split is looked for under that folder only, README configs aside.
    expect((await collect(readExamples(await resolveDataset({ name: nested, dir: 'en' })))).map((e) => e.inputText)).toEqual(['hello']);
    await expect(resolveDataset({ name: nested, dir: 'de' })).rejects.toThrow(/no files under 'de\/' \(--dataset-dir\)/);
  });

  it('fingerprints the selected bytes and selection, not the folder location', async () => {
    const [a, b] = [dir(), dir()];
    for (const folder of [a, b]) writeFileSync(join(folder, 'train.jsonl'), '{"text":"a"}\n');
    const fa = (await resolveDataset({ name: a })).fingerprint;
    expect(fa).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect((await resolveDataset({ name: b })).fingerprint).toBe(fa);
    expect((await resolveDataset({ name: a, inputTextField: 'other' })).fingerprint).not.toBe(fa);
    writeFileSync(join(b, 'train.jsonl'), '{"text":"b"}\n');
    expect((await resolveDataset({ name: b })).fingerprint).not.toBe(fa);
    await expect(resolveDataset({ name: join(a, 'missing.jsonl') })).rejects.toThrow(/Dataset '.*missing\.jsonl' not found/);
  });
});
