import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Plugin } from 'vite';
import type { ShippedModels } from '../shipped-models';

/**
 * The shipped model the page opens on when the repository has it (the trained demo model), in
 * order of preference; the first folder of `models/` that exists wins, else the first by name.
 */
export const PREFERRED_SHIPPED_MODELS = ['inseq-demo-gpt2', 'tiny-gpt2'] as const;

/** URL path, under the app's base, of the list of shipped models ({@link ShippedModels}). */
export const SHIPPED_MODELS_INDEX = 'models/index.json';

/** The repository's `models/` folder. */
const modelsRoot = () => fileURLToPath(new URL('../../../../models', import.meta.url));

/**
 * The model folders of the repository's `models/` (each one holding a config.json) and the one the
 * page opens on: the first of {@link PREFERRED_SHIPPED_MODELS} present. The one place that decides
 * which shipped models the app serves.
 */
export function shippedModels(root: string = modelsRoot()): ShippedModels {
  const names = existsSync(root)
    ? readdirSync(root)
        .filter((name) => existsSync(join(root, name, 'config.json')))
        .sort()
    : [];
  if (names.length === 0) throw new Error(`No model folder (one holding config.json) under ${root}; the web app needs one to ship.`);
  const preferred = PREFERRED_SHIPPED_MODELS.find((name) => names.includes(name));
  return { default: preferred ?? names[0], models: names };
}

/**
 * The files the page fetches besides its bundle, by URL path under the app's base: every shipped
 * model (`models/<name>/…`), their list ({@link SHIPPED_MODELS_INDEX}) and tfjs' wasm runtimes
 * (onnxruntime-web's comes through a Vite `?url` import in the worker). Served from the app's own
 * origin so that the page never asks a CDN for anything (the privacy promise the browser test checks).
 */
export function appAssets(root: string = modelsRoot()): Map<string, string | Uint8Array> {
  const require = createRequire(import.meta.url);
  const assets = new Map<string, string | Uint8Array>();
  const shipped = shippedModels(root);
  assets.set(SHIPPED_MODELS_INDEX, new TextEncoder().encode(`${JSON.stringify(shipped, null, 2)}\n`));
  for (const name of shipped.models) {
    const modelDir = join(root, name);
    for (const file of walk(modelDir)) assets.set(`models/${name}/${relative(modelDir, file).split(sep).join('/')}`, file);
  }
  const tfjsWasm = join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');
  for (const name of readdirSync(tfjsWasm).filter((name) => name.endsWith('.wasm'))) assets.set(`tfjs/${name}`, join(tfjsWasm, name));
  return assets;
}

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}

/** An asset's bytes: a file's, read when asked, or the generated ones. */
const assetBytes = (asset: string | Uint8Array) => (typeof asset === 'string' ? readFileSync(asset) : asset);

/** Serves {@link appAssets} in `vite dev` and copies them into the build (real files: no symlinks). */
export function appAssetsPlugin(): Plugin {
  const assets = appAssets();
  return {
    name: 'inseq-web-assets',
    configureServer(server) {
      server.middlewares.use((request, response, next) => {
        const path = decodeURIComponent((request.url ?? '').split('?')[0]).replace(/^\/+/, '');
        const asset = assets.get(path);
        if (asset === undefined) return next();
        const type = path.endsWith('.wasm') ? 'application/wasm' : path.endsWith('.json') ? 'application/json' : 'application/octet-stream';
        response.setHeader('Content-Type', type);
        response.end(assetBytes(asset));
      });
    },
    generateBundle() {
      for (const [fileName, asset] of assets) this.emitFile({ type: 'asset', fileName, source: assetBytes(asset) });
    },
  };
}
