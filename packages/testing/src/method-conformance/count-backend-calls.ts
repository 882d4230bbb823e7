import type { ModelBackend } from '@inseq/core';

const work = new Set<PropertyKey>(['embed', 'forward', 'gradients', 'generate']);

/** A view of `backend` that counts the calls doing work (`embed`, `forward`, `gradients`, `generate`). */
export function countBackendCalls(backend: ModelBackend): { readonly backend: ModelBackend; readonly calls: () => string[] } {
  const calls: string[] = [];
  const view = new Proxy(backend, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver);
      if (!work.has(key) || typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        calls.push(String(key));
        return (value as (...rest: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { backend: view, calls: () => [...calls] };
}
