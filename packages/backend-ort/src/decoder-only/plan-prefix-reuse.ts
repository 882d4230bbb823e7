/**
 * A row that reuses another row's KV cache: its first `prefix` columns (ids and mask) equal those
 * of `anchor`, so the keys and values there are the anchor's, exactly (causal attention: a
 * position's keys and values depend on no later token).
 */
export interface ReusingRow {
  readonly row: number;
  readonly anchor: number;
  /** Columns taken from the anchor's cache; at most `sequenceLength - 1`, so one token is always fed. */
  readonly prefix: number;
}

/** One `session.run`: `rows` fed from column `prefix` on, with the first `prefix` columns' cache copied from their anchors. */
export interface ReuseRun {
  readonly prefix: number;
  readonly rows: readonly ReusingRow[];
}

/** How one forward batch runs with prefix reuse. */
export interface PrefixReusePlan {
  /** Rows run in full (empty past); their `present.*` outputs feed the other rows. */
  readonly anchors: readonly number[];
  /** Rows equal to their anchor in every column: they copy the anchor's logits and need no run. */
  readonly copies: readonly { readonly row: number; readonly anchor: number }[];
  /** The remaining rows grouped into runs that share a past length. */
  readonly runs: readonly ReuseRun[];
}

/** Cost model of {@link planPrefixReuse}, in fed tokens. */
export interface PrefixReuseCosts {
  /** Fixed cost of one extra `session.run`, expressed in tokens fed. */
  readonly runOverheadTokens: number;
  /** Most tokens (rows × fed columns) one run may feed: the memory bound. */
  readonly maxRunTokens: number;
}

/** Number of leading columns where rows `a` and `b` agree in both ids and mask. */
function commonPrefix(ids: ArrayLike<number>, mask: ArrayLike<number>, seq: number, a: number, b: number): number {
  let p = 0;
  while (p < seq && ids[a * seq + p] === ids[b * seq + p] && mask[a * seq + p] === mask[b * seq + p]) p++;
  return p;
}

/**
 * Plans a forward batch so that rows which only differ from an earlier row after some column
 * (occlusion, LIME and ReAGent variants of one input) reuse that row's KV cache instead of
 * recomputing the shared prefix. A row becomes an anchor when no earlier anchor shares its first
 * column; every other row attaches to the anchor it shares the longest prefix with.
 *
 * Attached rows are sorted by prefix and cut into runs by dynamic programming: a run feeds each of
 * its rows from the run's smallest prefix on (one past length per run), so the cost of rows
 * `j..k` is `runOverheadTokens + (k - j + 1) * (seq - prefix_j)`; no run feeds more than
 * `maxRunTokens` tokens. Runs are returned in ascending prefix order.
 */
export function planPrefixReuse(
  ids: ArrayLike<number>,
  mask: ArrayLike<number>,
  shape: readonly [number, number],
  costs: PrefixReuseCosts,
): PrefixReusePlan {
  const [batch, seq] = shape;
  const anchors: number[] = [];
  const copies: { row: number; anchor: number }[] = [];
  const attached: ReusingRow[] = [];
  for (let row = 0; row < batch; row++) {
    let best = -1;
    let bestPrefix = 0;
    for (const anchor of anchors) {
      const p = commonPrefix(ids, mask, seq, anchor, row);
      if (p > bestPrefix) {
        best = anchor;
        bestPrefix = p;
      }
    }
    if (best < 0) anchors.push(row);
    else if (bestPrefix === seq) copies.push({ row, anchor: best });
    else attached.push({ row, anchor: best, prefix: bestPrefix });
  }
  attached.sort((a, b) => a.prefix - b.prefix || a.row - b.row);
  const n = attached.length;
  // cost[k]: cheapest plan for the first k attached rows; cut[k]: where its last run starts.
  const cost = new Float64Array(n + 1);
  const cut = new Int32Array(n + 1);
  for (let k = 1; k <= n; k++) {
    cost[k] = Number.POSITIVE_INFINITY;
    for (let j = k; j >= 1; j--) {
      const tokens = (k - j + 1) * (seq - attached[j - 1].prefix);
      // Widening the run to earlier rows only adds rows and lowers the prefix: stop at the bound.
      if (tokens > costs.maxRunTokens && j < k) break;
      const total = cost[j - 1] + costs.runOverheadTokens + tokens;
      if (total < cost[k]) {
        cost[k] = total;
        cut[k] = j - 1;
      }
    }
  }
  const runs: ReuseRun[] = [];
  for (let k = n; k > 0; k = cut[k]) {
    const rows = attached.slice(cut[k], k);
    runs.push({ prefix: rows[0].prefix, rows });
  }
  runs.reverse();
  return { anchors, copies, runs };
}
