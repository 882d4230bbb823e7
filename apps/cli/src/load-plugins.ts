import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type InseqPlugin, InvalidInputError, type PluginRegistries } from 'inseq';

function isPlugin(value: unknown): value is InseqPlugin {
  return typeof value === 'object' && value !== null && typeof (value as InseqPlugin).register === 'function';
}

/**
 * Loads plugin modules (`--plugin ./my-plugin.js` or a package name) and registers what they
 * bring. A module default-exports an `InseqPlugin` or exports it as `plugin`.
 */
export async function loadPlugins(specifiers: readonly string[], registries: PluginRegistries): Promise<string[]> {
  const names: string[] = [];
  for (const specifier of specifiers) {
    // A file that exists is a path (`examples/x/dist/index.js` too); anything else a package name.
    const isPath = existsSync(resolve(specifier));
    const url = isPath ? pathToFileURL(resolve(specifier)).href : specifier;
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
