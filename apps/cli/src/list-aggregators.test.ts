import { builtinAggregators, createAggregationFunctionRegistry } from 'inseq';
import { describe, expect, it } from 'vitest';
import { runCaptured as run } from './run-captured.test-support';

const ids = (stdout: string) => stdout.trimEnd().split('\n').map((line) => line.split(/\s{2,}/)[0]);

describe('inseq list-aggregators and list-aggregation-functions', () => {
  it('lists every registered aggregator with its description', async () => {
    const { code, stdout } = await run('list-aggregators');
    expect(code).toBe(0);
    expect(ids(stdout)).toEqual(builtinAggregators.map((aggregator) => aggregator.name));
    expect(ids(stdout)).toEqual(expect.arrayContaining(['scores', 'subwords', 'spans', 'split', 'pair', 'slices']));
    expect(stdout).toMatch(/^subwords\s+Merge the subwords of each word/m);
  });
  it('lists every aggregation function with its description', async () => {
    const { code, stdout } = await run('list-aggregation-functions');
    expect(code).toBe(0);
    expect(ids(stdout)).toEqual(createAggregationFunctionRegistry().list());
    expect(ids(stdout)).toEqual(expect.arrayContaining(['vnorm', 'absmax', 'sum', 'mean', 'max', 'min', 'prod']));
  });
});

describe('inseq explain, aggregators and aggregation functions', () => {
  it('explains an aggregation function: its option, type, default and how to pass it', async () => {
    const { code, stdout } = await run('explain', 'vnorm');
    expect(code).toBe(0);
    expect(stdout.split('\n')[0]).toBe('vnorm · aggregation function');
    expect(stdout).toMatch(/^ord\s+json\s+2\s+a number > 0/m);
    expect(stdout).toContain(`Options (as vnorm_ord of an aggregator, e.g. --attribution-aggregators '[{"id": "vnorm", "options": {"vnorm_ord": …}}]'):`);
    const mean = await run('explain', 'mean');
    expect(mean.stdout).toContain('Options: none.');
  });
  it('explains an aggregator with its options and defaults', async () => {
    const { code, stdout } = await run('explain', 'subwords');
    expect(code).toBe(0);
    expect(stdout.split('\n')[0]).toBe('subwords · aggregator');
    expect(stdout).toMatch(/^aggregate_fn\s+string\s+"absmax"\s+one of 'vnorm'/m);
  });
  it('suggests aggregation functions for a typo', async () => {
    const { code, stderr } = await run('explain', 'absmx');
    expect(code).toBe(1);
    expect(stderr).toContain("Did you mean 'absmax'?");
    expect(stderr).toContain('Aggregation functions: vnorm, absmax');
  });
});
