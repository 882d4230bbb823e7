import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type InseqPlugin, InvalidInputError, type PluginRegistries } from 'inseq';

function isPlugin(value: unknown): value is InseqPlugin {
  return typeof value === 'object' && value !== null && typeof (value as InseqPlugin).register === 'function';
}

/** The `import` (or `node`, `default`) entry of a package's `exports` for `.`, if any. */
function importEntry(exports: unknown): string | undefined {
  if (typeof exports === 'string') return exports;
  if (typeof exports !== 'object' || exports === null || Array.isArray(exports)) return undefined;
  const map = exports as Record<string, unknown>;
  if ('.' in map) return importEntry(map['.']);
  for (const condition of ['import', 'node', 'default']) {
    const entry = importEntry(map[condition]);
    if (entry) return entry;
  }
  return undefined;
}

/**
 * The file URL of package `name` as installed for the folder `cwd` (its node_modules or a parent's),
 * not for the CLI's own install folder: a globally installed CLI loads the project's plugins.
 */
export function resolvePluginPackage(name: string, cwd: string): string {
  const require = createRequire(join(cwd, 'noop.js'));
  try {
    try {
      return pathToFileURL(require.resolve(name)).href;
    } catch (error) {
      // An ESM-only package (`exports` with `import` but no `require`): its folder, then its `import` entry.
      if ((error as { code?: string }).code !== 'ERR_PACKAGE_PATH_NOT_EXPORTED') throw error;
      const folder = (require.resolve.paths(name) ?? []).map((modules) => join(modules, name)).find((dir) => existsSync(join(dir, 'package.json')));
      const entry = folder && importEntry(JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8')).exports);
      if (!folder || !entry) throw error;
      return pathToFileURL(resolve(folder, entry)).href;
    }
  } catch (cause) {
    throw new InvalidInputError(
      `Cannot find plugin '${name}': it is neither a file nor a package installed for ${cwd} (looked in its node_modules and its parents'). Give a path to a JavaScript module, or install the package there (e.g. npm install ${name}).`,
      { code: 'INVALID_ARGUMENT', cause },
    );
  }
}

/**
 * Whether a `--plugin` value is a file path: a file that exists (`examples/x/dist/index.js` too) or
 * anything written as one (`./x.js`, `/x.js`); anything else is a package name.
 */
export function pluginIsPath(specifier: string, cwd: string = process.cwd()): boolean {
  return /^\.{0,2}[\\/]|^[A-Za-z]:[\\/]/.test(specifier) || existsSync(resolve(cwd, specifier));
}

/**
 * Loads plugin modules (`--plugin ./my-plugin.js` or a package name) and registers what they
 * bring. A module default-exports an `InseqPlugin` or exports it as `plugin`.
 */
export async function loadPlugins(specifiers: readonly string[], registries: PluginRegistries, cwd: string = process.cwd()): Promise<string[]> {
  const names: string[] = [];
  for (const specifier of specifiers) {
    // A file that exists is a path (`examples/x/dist/index.js` too), as is anything written as
    // one (`./x.js`, `/x.js`); anything else a package name, resolved from the working directory.
    const isPath = pluginIsPath(specifier, cwd);
    const url = isPath ? pathToFileURL(resolve(cwd, specifier)).href : resolvePluginPackage(specifier, cwd);
    let loaded: Record<string, unknown>;
    try {
      loaded = await import(/* @vite-ignore */ url);
    } catch (cause) {
      throw new InvalidInputError(
        `Cannot load plugin '${specifier}': ${(cause as Error).message}. Give a path to a JavaScript module or an installed package name.`, { code: 'INVALID_ARGUMENT', cause },
      );
    }
    const plugin = [loaded.default, loaded.plugin].find(isPlugin);
    if (!plugin) {
      throw new InvalidInputError(
        `Plugin module '${specifier}' exports no plugin; default-export definePlugin({ name, register(registries) { … } }) from @inseq/core.`, { code: 'INVALID_ARGUMENT' },
      );
    }
    try {
      plugin.register(registries);
    } catch (cause) {
      const message = cause instanceof Error ? cause.message : String(cause);
      throw new InvalidInputError(
        `Plugin '${String(plugin.name)}' (from '${specifier}') failed to register: ${message}${/[.!?]$/.test(message) ? '' : '.'} Fix the plugin or leave it out.`,
        { code: 'INVALID_ARGUMENT', cause },
      );
    }
    names.push(plugin.name);
  }
  return names;
}
