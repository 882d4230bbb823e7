import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Plugin } from 'vite';

/**
 * The files the page fetches besides its bundle, by URL path under the app's base: the shipped
 * model and tfjs' wasm runtimes (onnxruntime-web's comes through a Vite `?url` import in the
 * worker). Served from the app's own origin so that
 * the page never asks a CDN for anything (the privacy promise the browser test checks).
 */
export function appAssets(): Map<string, string> {
  const require = createRequire(import.meta.url);
  const assets = new Map<string, string>();
  const modelDir = fileURLToPath(new URL('../../../../models/tiny-gpt2', import.meta.url));
  for (const file of walk(modelDir)) assets.set(`models/tiny-gpt2/${relative(modelDir, file).split(sep).join('/')}`, file);
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

/** Serves {@link appAssets} in `vite dev` and copies them into the build (real files: no symlinks). */
export function appAssetsPlugin(): Plugin {
  const assets = appAssets();
  return {
    name: 'inseq-web-assets',
    configureServer(server) {
      server.middlewares.use((request, response, next) => {
        const path = decodeURIComponent((request.url ?? '').split('?')[0]).replace(/^\/+/, '');
        const file = assets.get(path);
        if (file === undefined) return next();
        const type = path.endsWith('.wasm') ? 'application/wasm' : path.endsWith('.json') ? 'application/json' : 'application/octet-stream';
        response.setHeader('Content-Type', type);
        response.end(readFileSync(file));
      });
    },
    generateBundle() {
      for (const [fileName, file] of assets) this.emitFile({ type: 'asset', fileName, source: readFileSync(file) });
    },
  };
}
