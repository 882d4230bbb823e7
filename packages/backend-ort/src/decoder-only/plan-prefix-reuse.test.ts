import { describe, expect, it } from 'vitest';
import { planPrefixReuse } from './plan-prefix-reuse';

const rows = (...list: number[][]) => ({ ids: list.flat(), shape: [list.length, list[0].length] as [number, number] });
const ones = (n: number) => new Array<number>(n).fill(1);

describe('planPrefixReuse', () => {
  it('attaches occlusion variants to their original row, each by the column where it first differs', () => {
    // Row 0 is the input; rows 1..4 occlude one column each with id 9.
    const { ids, shape } = rows([1, 2, 3, 4], [9, 2, 3, 4], [1, 9, 3, 4], [1, 2, 9, 4], [1, 2, 3, 9]);
    const plan = planPrefixReuse(ids, ones(20), shape, { runOverheadTokens: 1000, maxRunTokens: 1000 });
    // Row 1 shares no column with row 0, so it runs in full with it.
    expect(plan.anchors).toEqual([0, 1]);
    expect(plan.copies).toEqual([]);
    // A huge run overhead puts every attached row into one run from the smallest prefix.
    expect(plan.runs).toHaveLength(1);
    expect(plan.runs[0].prefix).toBe(1);
    expect(plan.runs[0].rows.map((r) => [r.row, r.anchor, r.prefix])).toEqual([
      [2, 0, 1],
      [3, 0, 2],
      [4, 0, 3],
    ]);
  });

  it('with no run overhead, each prefix gets its own run (fewest fed tokens)', () => {
    const { ids, shape } = rows([1, 2, 3, 4], [9, 2, 3, 4], [1, 9, 3, 4], [1, 2, 9, 4], [1, 2, 3, 9]);
    const plan = planPrefixReuse(ids, ones(20), shape, { runOverheadTokens: 0, maxRunTokens: 1000 });
    expect(plan.runs.map((run) => [run.prefix, run.rows.length])).toEqual([
      [1, 1],
      [2, 1],
      [3, 1],
    ]);
  });

  it('minimises overhead + fed tokens exactly (brute force over all cuts of 6 rows)', () => {
    const seq = 12;
    const base = Array.from({ length: seq }, (_, i) => i + 1);
    const occluded = [1, 2, 3, 7, 8, 11];
    const list = [base, ...occluded.map((p) => base.map((v, i) => (i === p ? 99 : v)))];
    const { ids, shape } = rows(...list);
    for (const overhead of [0, 3, 7, 20]) {
      const plan = planPrefixReuse(ids, ones(ids.length), shape, { runOverheadTokens: overhead, maxRunTokens: 10_000 });
      const cost = plan.runs.reduce((sum, run) => sum + overhead + run.rows.length * (seq - run.prefix), 0);
      let best = Number.POSITIVE_INFINITY;
      // Every way to cut the sorted prefixes into contiguous runs: a bit per gap.
      for (let mask = 0; mask < 1 << (occluded.length - 1); mask++) {
        let total = 0;
        let start = 0;
        for (let k = 1; k <= occluded.length; k++) {
          if (k === occluded.length || mask & (1 << (k - 1))) {
            total += overhead + (k - start) * (seq - occluded[start]);
            start = k;
          }
        }
        best = Math.min(best, total);
      }
      expect(cost).toBe(best);
    }
  });

  it('keeps every run under maxRunTokens', () => {
    const seq = 8;
    const base = Array.from({ length: seq }, (_, i) => i + 1);
    const list = [base, ...base.slice(1).map((_, p) => base.map((v, i) => (i === p + 1 ? 99 : v)))];
    const { ids, shape } = rows(...list);
    const plan = planPrefixReuse(ids, ones(ids.length), shape, { runOverheadTokens: 1000, maxRunTokens: 16 });
    for (const run of plan.runs) expect(run.rows.length * (seq - run.prefix)).toBeLessThanOrEqual(16);
    expect(plan.runs.length).toBeGreaterThan(1);
    expect(plan.runs.flatMap((run) => run.rows.map((r) => r.row)).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it('makes unrelated rows anchors, copies identical rows, and compares the mask too (left padding)', () => {
    const ids = [0, 5, 6, 7, /* same ids, other mask */ 0, 5, 6, 7, /* unrelated */ 8, 5, 6, 7, /* duplicate of 0 */ 0, 5, 6, 7];
    const mask = [0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1];
    const plan = planPrefixReuse(ids, mask, [4, 4], { runOverheadTokens: 1, maxRunTokens: 100 });
    expect(plan.anchors).toEqual([0, 1, 2]);
    expect(plan.copies).toEqual([{ row: 3, anchor: 0 }]);
    expect(plan.runs).toEqual([]);
  });
});
