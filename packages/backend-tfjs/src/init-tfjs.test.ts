import * as tf from './tf';
import { describe, expect, it } from 'vitest';
import { initTfjs } from './init-tfjs';

describe('initTfjs', () => {
  it('starts wasm from the installed package in Node, once', async () => {
    expect(await initTfjs()).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(await initTfjs()).toBe('wasm');
    expect(await initTfjs('wasm')).toBe('wasm');
  });

  it('switches to cpu on request, keeps it when no device is named, and switches back', async () => {
    expect(await initTfjs('cpu')).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    expect(await initTfjs()).toBe('cpu');
    expect(await initTfjs('wasm')).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(await initTfjs()).toBe('wasm');
  });

  it('starts again when someone else switched the tfjs backend', async () => {
    await tf.setBackend('cpu');
    expect(await initTfjs('wasm')).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
  });

  it('explains that webgl is unavailable in Node', async () => {
    await expect(initTfjs('webgl')).rejects.toMatchObject({
      name: 'BackendError',
      message: expect.stringMatching(/Device 'webgl' is not available here: .*Use device 'wasm' or 'cpu'/),
    });
  });

  it('explains that webgpu is unavailable in Node', async () => {
    await expect(initTfjs('webgpu')).rejects.toMatchObject({
      name: 'BackendError',
      code: 'BACKEND_FAILURE',
      message: expect.stringMatching(/no WebGPU.*'wasm' or 'cpu'/),
    });
    expect(tf.getBackend()).toBe('wasm');
  });

  it('rejects unknown devices', async () => {
    await expect(initTfjs('gpu' as 'cpu')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('wasm, cpu, webgpu, webgl') });
  });
});
