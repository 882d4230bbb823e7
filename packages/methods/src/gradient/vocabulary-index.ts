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
   * The `k` ids nearest to `id` by Euclidean distance, nearest first (ties by id), `id` itself
   * excluded: row `id` of scikit-learn's `kneighbors_graph(embeddings, k)`, which Inseq uses.
   */
  neighbors(id: number, k: number): Int32Array;
}

const EMBED_CHUNK = 4096;
const cache = new WeakMap<ModelBackend, Promise<VocabularyIndex>>();

async function build(backend: ModelBackend): Promise<VocabularyIndex> {
  const { vocabSize, hiddenSize: hidden } = backend.config;
  const embeddings = new Float32Array(vocabSize * hidden);
  for (let first = 0; first < vocabSize; first += EMBED_CHUNK) {
    const count = Math.min(EMBED_CHUNK, vocabSize - first);
    const ids = Int32Array.from({ length: count }, (_, i) => first + i);
    // One token per row: no sequence-length limit applies.
    const { data } = await backend.embed({ data: ids, shape: [count, 1] });
    embeddings.set(data, first * hidden);
  }
  const embedding = (id: number) => embeddings.subarray(id * hidden, (id + 1) * hidden);
  // Neighbours are found lazily, one row at a time, and kept: a path visits few of a large
  // vocabulary's rows, and the full k-NN graph of GPT-2 (50k × 50k distances) is too slow in JS.
  const found = new Map<string, Int32Array>();
  const neighbors = (id: number, k: number) => {
    const key = `${id}:${k}`;
    let result = found.get(key);
    if (result) return result;
    const query = embedding(id);
    const bestIds: number[] = [];
    const bestDistances: number[] = [];
    for (let other = 0; other < vocabSize; other++) {
      if (other === id) continue;
      let distance = 0;
      const offset = other * hidden;
      for (let h = 0; h < hidden; h++) {
        const d = embeddings[offset + h] - query[h];
        distance += d * d;
      }
      if (bestIds.length === k && distance >= bestDistances[k - 1]) continue;
      // Insert keeping the list sorted; equal distances keep the smaller id first.
      let at = bestIds.length;
      while (at > 0 && bestDistances[at - 1] > distance) at--;
      bestIds.splice(at, 0, other);
      bestDistances.splice(at, 0, distance);
      if (bestIds.length > k) {
        bestIds.pop();
        bestDistances.pop();
      }
    }
    result = Int32Array.from(bestIds);
    found.set(key, result);
    return result;
  };
  return { vocabSize, hidden, embeddings, embedding, neighbors };
}

/**
 * The {@link VocabularyIndex} of a backend: its embedding matrix read through `backend.embed` in
 * chunks of ids, built once per backend and cached (weakly, so a disposed model's copy can go).
 */
export function vocabularyIndex(backend: ModelBackend): Promise<VocabularyIndex> {
  let index = cache.get(backend);
  if (!index) {
    index = build(backend);
    cache.set(backend, index);
    // A failed build must not poison the cache.
    index.catch(() => cache.delete(backend));
  }
  return index;
}
