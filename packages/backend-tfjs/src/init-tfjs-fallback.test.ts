import * as tf from './tf';
import { describe, expect, it, vi } from 'vitest';
import { initTfjs } from './init-tfjs';

// Points the wasm backend at a folder without its binaries, so that wasm cannot start.
vi.mock('./node-wasm-directory', () => ({ isNode: () => true, nodeWasmDirectory: async () => '/nonexistent/inseq-wasm/' }));

describe('initTfjs when wasm cannot start', () => {
  it('falls back to cpu by default and explains an explicit wasm request', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const error = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      expect(await initTfjs()).toBe('cpu');
      expect(tf.getBackend()).toBe('cpu');
      await expect(initTfjs('wasm')).rejects.toMatchObject({
        name: 'BackendError',
        code: 'BACKEND_FAILURE',
        message: expect.stringContaining('did not start'),
      });
    } finally {
      warn.mockRestore();
      error.mockRestore();
    }
  });
});
