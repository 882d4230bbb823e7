import type { ModelBackend } from '@inseq/core';

/** The token embedding matrix of a model and the nearest neighbours of its rows. */
export interface VocabularyIndex {
  readonly vocabSize: number;
  readonly hidden: number;
  /** Token embeddings `[vocabSize, hidden]`. */
  readonly embeddings: Float32Array;
  /** Row `id` of the embedding matrix, `[hidden]` (a view). */
  embedding(id: number): Float32Array;
  /**
   * For each of `ids`, the `k` ids nearest to it by Euclidean distance, nearest first (ties by
   * id), itself excluded: rows of scikit-learn's `kneighbors_graph(embeddings, k)`, which Inseq
   * uses. Rows not seen before are found in one pass over the matrix, then kept.
   */
  neighbors(ids: readonly number[], k: number): Int32Array[];
}

const EMBED_CHUNK = 4096;
/** Per embedding table: the decoder's (every model's) and an encoder-decoder model's encoder's. */
const caches = { decoder: new WeakMap<ModelBackend, Promise<VocabularyIndex>>(), encoder: new WeakMap<ModelBackend, Promise<VocabularyIndex>>() };
/** Queries ranked per pass over the matrix: each row is read once for all of them (memory-bound otherwise). */
const QUERY_BLOCK = 64;

/** Σ a[i..i+n) · b[j..j+n), four running sums (the hot loop: every vocabulary row, per query). */
function dot(a: Float32Array, i: number, b: Float32Array, j: number, n: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let h = 0;
  for (; h + 3 < n; h += 4) {
    s0 += a[i + h] * b[j + h];
    s1 += a[i + h + 1] * b[j + h + 1];
    s2 += a[i + h + 2] * b[j + h + 2];
    s3 += a[i + h + 3] * b[j + h + 3];
  }
  for (; h < n; h++) s0 += a[i + h] * b[j + h];
  return s0 + s1 + s2 + s3;
}

/** The k smallest distances seen so far, sorted; equal distances keep the earlier (smaller) id first. */
class NearestList {
  readonly ids: number[] = [];
  readonly distances: number[] = [];
  constructor(private readonly k: number) {}
  offer(id: number, distance: number): void {
    const { ids, distances } = this;
    const k = this.k;
    if (ids.length === k && distance >= distances[k - 1]) return;
    let at = ids.length;
    while (at > 0 && distances[at - 1] > distance) at--;
    ids.splice(at, 0, id);
    distances.splice(at, 0, distance);
    if (ids.length > k) {
      ids.pop();
      distances.pop();
    }
  }
}

async function build(backend: ModelBackend, side: 'encoder' | 'decoder'): Promise<VocabularyIndex> {
  const { vocabSize, hiddenSize: hidden } = backend.config;
  const embeddings = new Float32Array(vocabSize * hidden);
  for (let first = 0; first < vocabSize; first += EMBED_CHUNK) {
    const count = Math.min(EMBED_CHUNK, vocabSize - first);
    const ids = Int32Array.from({ length: count }, (_, i) => first + i);
    // One token per row: no sequence-length limit applies.
    const table = { data: ids, shape: [count, 1] };
    const { data } = side === 'encoder' ? await backend.embed(table, 'encoder') : await backend.embed(table);
    embeddings.set(data, first * hidden);
  }
  const embedding = (id: number) => embeddings.subarray(id * hidden, (id + 1) * hidden);
  // ‖e − q‖² = ‖e‖² − 2 e·q + ‖q‖²: with the norms kept, ranking a row costs one dot product.
  const squaredNorms = new Float64Array(vocabSize);
  for (let id = 0; id < vocabSize; id++) squaredNorms[id] = dot(embeddings, id * hidden, embeddings, id * hidden, hidden);

  // Neighbours are found lazily and kept: paths visit few rows of a large vocabulary, and the
  // full k-NN graph of GPT-2 (50k × 50k distances) would take minutes in JS.
  const found = new Map<string, Int32Array>();
  const rank = (queries: number[], k: number) => {
    const lists = queries.map(() => new NearestList(k));
    for (let other = 0; other < vocabSize; other++) {
      for (let q = 0; q < queries.length; q++) {
        if (other === queries[q]) continue;
        lists[q].offer(other, squaredNorms[other] - 2 * dot(embeddings, other * hidden, embeddings, queries[q] * hidden, hidden));
      }
    }
    queries.forEach((id, q) => {
      found.set(`${id}:${k}`, Int32Array.from(lists[q].ids));
    });
  };
  const neighbors = (ids: readonly number[], k: number) => {
    const missing = [...new Set(ids)].filter((id) => !found.has(`${id}:${k}`));
    for (let first = 0; first < missing.length; first += QUERY_BLOCK) rank(missing.slice(first, first + QUERY_BLOCK), k);
    return ids.map((id) => found.get(`${id}:${k}`)!);
  };
  return { vocabSize, hidden, embeddings, embedding, neighbors };
}

/**
 * The {@link VocabularyIndex} of a backend: its embedding matrix read through `backend.embed` in
 * chunks of ids, built once per backend and cached (weakly, so a disposed model's copy can go).
 * `side` picks an encoder-decoder model's encoder table. @defaultValue side 'decoder'
 */
export function vocabularyIndex(backend: ModelBackend, side: 'encoder' | 'decoder' = 'decoder'): Promise<VocabularyIndex> {
  const cache = caches[side];
  let index = cache.get(backend);
  if (!index) {
    index = build(backend, side);
    cache.set(backend, index);
    // A failed build must not poison the cache.
    index.catch(() => cache.delete(backend));
  }
  return index;
}
