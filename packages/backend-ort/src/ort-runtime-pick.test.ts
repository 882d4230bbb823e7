import { ModelLoadError } from '@inseq/core';
import { describe, expect, it } from 'vitest';
import type { OrtRuntime, OrtRuntimeName } from './ort-runtime';
import { isMissingPackage, type OrtRuntimeImporter, pickOrtRuntime } from './ort-runtime-pick';

const runtime = (name: OrtRuntimeName) => ({ name }) as unknown as OrtRuntime;
const loads = (name: OrtRuntimeName, log: string[]): OrtRuntimeImporter => async () => {
  log.push(name);
  return runtime(name);
};
/** What Node throws for `import('<name>')` of a package that is not installed. */
const notInstalled = (name: string, log: string[]): OrtRuntimeImporter => async () => {
  log.push(name);
  throw Object.assign(new Error(`Cannot find package '${name}' imported from /app/node_modules/@inseq/backend-ort/dist/index.js`), {
    code: 'ERR_MODULE_NOT_FOUND',
  });
};

describe('pickOrtRuntime', () => {
  it('takes onnxruntime-node when it is installed, without importing onnxruntime-web', async () => {
    const log: string[] = [];
    const picked = await pickOrtRuntime({ node: loads('node', log), web: loads('web', log) }, ['node', 'web']);
    expect(picked.name).toBe('node');
    expect(log).toEqual(['node']);
  });

  it('falls back to onnxruntime-web when onnxruntime-node is not installed', async () => {
    const log: string[] = [];
    const picked = await pickOrtRuntime({ node: notInstalled('onnxruntime-node', log), web: loads('web', log) }, ['node', 'web']);
    expect(picked.name).toBe('web');
    expect(log).toEqual(['onnxruntime-node', 'web']);
  });

  it('names both install commands when neither is installed', async () => {
    const log: string[] = [];
    const error = await pickOrtRuntime(
      { node: notInstalled('onnxruntime-node', log), web: notInstalled('onnxruntime-web', log) },
      ['node', 'web'],
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelLoadError);
    expect((error as ModelLoadError).code).toBe('MODEL_LOAD');
    expect((error as Error).message).toContain('npm i onnxruntime-node');
    expect((error as Error).message).toContain('npm i onnxruntime-web');
  });

  it('does not fall back when the runtime asked for is missing, and says how to install it', async () => {
    const log: string[] = [];
    const error = await pickOrtRuntime({ node: notInstalled('onnxruntime-node', log), web: loads('web', log) }, ['node', 'web'], 'node').catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ModelLoadError);
    expect((error as Error).message).toMatch(/'node' ORT runtime needs onnxruntime-node.*npm i onnxruntime-node/);
    expect(log).toEqual(['onnxruntime-node']);
  });

  it('reports an installed runtime that fails to load instead of silently using another', async () => {
    const broken: OrtRuntimeImporter = async () => {
      throw new Error('libonnxruntime.so.1: cannot open shared object file');
    };
    const log: string[] = [];
    const error = await pickOrtRuntime({ node: broken, web: loads('web', log) }, ['node', 'web']).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelLoadError);
    expect((error as Error).message).toContain('onnxruntime-node is installed but did not load: libonnxruntime.so.1');
    expect(log).toEqual([]);
  });

  it("a missing dependency of the runtime is not taken for the runtime's own absence", async () => {
    const log: string[] = [];
    const error = await pickOrtRuntime({ node: notInstalled('some-inner-dependency', log), web: loads('web', log) }, ['node', 'web']).catch(
      (e: unknown) => e,
    );
    expect((error as Error).message).toContain('onnxruntime-node is installed but did not load');
  });

  it("browsers have only onnxruntime-web", async () => {
    const log: string[] = [];
    expect((await pickOrtRuntime({ web: loads('web', log) }, ['web'])).name).toBe('web');
  });
});

describe('isMissingPackage', () => {
  it("recognises Node's own error for a package that is not installed", async () => {
    const name = 'inseq-test-no-such-package';
    const specifier = [name][0];
    const error = await import(/* @vite-ignore */ specifier).catch((e: unknown) => e);
    expect(isMissingPackage(error, name)).toBe(true);
    expect(isMissingPackage(error, 'onnxruntime-node')).toBe(false);
    expect(isMissingPackage(new Error(`Cannot find package '${name}'`), name)).toBe(false);
  });
});
