import type { InferenceSession } from 'onnxruntime-common';
import type { IrModel } from './autodiff/onnx-ir';

/** A cached session and what it was built from. */
export interface CachedSession<T> {
  readonly session: InferenceSession;
  readonly built: T;
}

/**
 * The sessions of models built from one source (a decoded export, a joined encoder-decoder graph),
 * one per key: `sessionFor(key, build)` builds the model and its session on the key's first use
 * and returns the same promise after; a failed build is forgotten (the next call tries again);
 * beyond `max` sessions the oldest is released. Keys must name what their builder returns (a
 * target signature, a layer model's kind, layer and signature), so an entry's `built` is what its
 * key's builder made.
 */
export function ortSessionCache<S>(options: {
  /** The source every model is built from (read and decoded once by the caller). */
  readonly source: () => Promise<S>;
  /** A session of a built model (encoded, with the caller's session options and data files). */
  readonly create: (model: IrModel) => Promise<InferenceSession>;
  /** Sessions kept; the oldest is released beyond this. */
  readonly max: number;
}): {
  sessionFor<T extends { readonly model: IrModel }>(key: string, build: (source: S) => T): Promise<CachedSession<T>>;
  /** Releases every cached session (and forgets them). */
  dispose(): Promise<void>;
} {
  const sessions = new Map<string, Promise<CachedSession<{ readonly model: IrModel }>>>();
  return {
    sessionFor<T extends { readonly model: IrModel }>(key: string, build: (source: S) => T): Promise<CachedSession<T>> {
      let entry = sessions.get(key) as Promise<CachedSession<T>> | undefined;
      if (!entry) {
        entry = options.source().then(async (source) => {
          const built = build(source);
          return { session: await options.create(built.model), built };
        });
        sessions.set(key, entry);
        entry.catch(() => {
          if (sessions.get(key) === entry) sessions.delete(key);
        });
        if (sessions.size > options.max) {
          const [oldest] = sessions.keys();
          const evicted = sessions.get(oldest as string);
          sessions.delete(oldest as string);
          evicted?.then(({ session }) => session.release()).catch(() => undefined);
        }
      }
      return entry;
    },
    async dispose() {
      const open = [...sessions.values()];
      sessions.clear();
      await Promise.all(open.map((entry) => entry.then(({ session }) => session.release()).catch(() => undefined)));
    },
  };
}
