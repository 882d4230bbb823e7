import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { datasetError } from './dataset-example';

/** File extensions read as data files. */
export const DATA_FILE_EXTENSIONS = ['.jsonl', '.json', '.csv', '.tsv', '.parquet'] as const;

/** Which part of a dataset folder to read (Inseq's `--dataset-config`, `--dataset-files`, `--dataset-split`). */
export interface FolderSelection {
  readonly config?: string;
  readonly files?: readonly string[];
  /** @defaultValue `'train'` */
  readonly split?: string;
  /** A sub-folder to read the split from (Inseq's `--dataset-dir`, `datasets`' `data_dir`); README.md configs are then not used. */
  readonly dir?: string;
}

/** `*`, `**` and `?` glob → regular expression over `/`-separated relative paths. */
export function globToRegExp(glob: string): RegExp {
  let source = '';
  for (let i = 0; i < glob.length; i++) {
    const char = glob[i] as string;
    if (char === '*' && glob[i + 1] === '*') {
      source += glob[i + 2] === '/' ? '(?:.*/)?' : '.*';
      i += glob[i + 2] === '/' ? 2 : 1;
    } else if (char === '*') source += '[^/]*';
    else if (char === '?') source += '[^/]';
    else source += char.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}

/** Every file under `root`, as sorted `/`-separated relative paths (hidden files and folders skipped). */
export function listFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.name.startsWith('.')) continue;
      const full = join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile()) out.push(relative(root, full).split(sep).join('/'));
    }
  };
  walk(root);
  return out.sort();
}

const isDataFile = (path: string) => DATA_FILE_EXTENSIONS.some((ext) => path.toLowerCase().endsWith(ext));

/** Paths matching any of `patterns` (globs or plain relative paths), in sorted order; each pattern must match something. */
export function matchFiles(all: readonly string[], patterns: readonly string[], where: string): string[] {
  const chosen = new Set<string>();
  for (const pattern of patterns) {
    const regex = globToRegExp(pattern.replace(/^\.\//, ''));
    const hits = all.filter((path) => regex.test(path));
    if (hits.length === 0) throw datasetError(`${where}: no file matches '${pattern}'; files there: ${all.slice(0, 10).join(', ')}${all.length > 10 ? ', …' : ''}.`);
    for (const hit of hits) chosen.add(hit);
  }
  return [...chosen].sort();
}

// As `datasets`' default split patterns: a split's files are named after it, or sit in a folder named after it.
const SPLIT_ALIASES: Record<string, string[]> = {
  train: ['train', 'training'],
  validation: ['validation', 'valid', 'dev', 'val'],
  test: ['test', 'testing', 'eval', 'evaluation'],
};

function splitOf(path: string): string | undefined {
  const parts = path.split('/');
  const name = parts[parts.length - 1] as string;
  for (const [split, aliases] of Object.entries(SPLIT_ALIASES)) {
    for (const alias of aliases) {
      if (parts.slice(0, -1).includes(alias)) return split;
      if (new RegExp(`^${alias}(?:[-_.]|$)`).test(name.toLowerCase())) return split;
    }
  }
  const custom = /^([A-Za-z0-9]+)-\d{5}-of-\d{5}/.exec(name);
  return custom?.[1];
}

interface YamlConfig {
  config_name?: string;
  default?: boolean;
  data_files?: string | string[] | { split?: string; path?: string | string[] }[];
}

/** The `configs:` block of a dataset card (README.md text with YAML front matter), if any. */
export function cardConfigs(readmeText: string | undefined, where: string): YamlConfig[] | undefined {
  if (readmeText === undefined) return undefined;
  const match = /^---\r?\n([\s\S]*?)\r?\n---/.exec(readmeText);
  if (!match) return undefined;
  let card: unknown;
  try {
    card = parseYaml(match[1] as string);
  } catch (error) {
    throw datasetError(`${where}: the YAML front matter does not parse (${(error as Error).message}).`, error);
  }
  const configs = (card as { configs?: unknown } | null)?.configs;
  return Array.isArray(configs) ? (configs as YamlConfig[]) : undefined;
}

function filesOfConfig(config: YamlConfig, split: string, where: string): string[] | undefined {
  const dataFiles = config.data_files;
  if (dataFiles === undefined) return undefined;
  if (typeof dataFiles === 'string' || (Array.isArray(dataFiles) && dataFiles.every((item) => typeof item === 'string'))) {
    // No split named: everything is `train`, as in `datasets`.
    if (split !== 'train') throw datasetError(`${where}: config '${config.config_name ?? 'default'}' has only the split 'train', not '${split}'.`);
    return typeof dataFiles === 'string' ? [dataFiles] : (dataFiles as string[]);
  }
  const entries = dataFiles as { split?: string; path?: string | string[] }[];
  const entry = entries.find((item) => (item.split ?? 'train') === split);
  if (!entry?.path) {
    throw datasetError(`${where}: config '${config.config_name ?? 'default'}' has no split '${split}'; its splits: ${entries.map((item) => item.split ?? 'train').join(', ')}. Choose one with --dataset-split.`);
  }
  return typeof entry.path === 'string' ? [entry.path] : entry.path;
}

/**
 * The data files of one split of a local folder in the Hugging Face `datasets` layout, as
 * `datasets.load_dataset(folder, config, data_files=…, split=…)` finds them: explicit `files`
 * (globs, relative to the folder) first; else the README.md `configs:` block (`config_name`, or the
 * `default: true` / first one when no config is given); else the default patterns (files or folders
 * named after the split: `data/train-00000-of-00001.parquet`, `train.jsonl`, `<config>/train/*.parquet`,
 * `dev.csv` for `validation`), and when no file names a split, every data file is `train`.
 * Returns absolute paths in sorted order.
 */
export function resolveFolderFiles(folder: string, selection: FolderSelection = {}): string[] {
  const readme = join(folder, 'README.md');
  const text = existsSync(readme) ? readFileSync(readme, 'utf8') : undefined;
  return selectSplitFiles(listFiles(folder), text, selection, folder).map((path) => join(folder, path));
}

/**
 * {@link resolveFolderFiles} over a listing (`/`-separated relative paths) and the README.md text:
 * shared by local folders and Hub dataset repositories. Returns relative paths in sorted order.
 */
export function selectSplitFiles(all: readonly string[], readmeText: string | undefined, selection: FolderSelection, where: string): string[] {
  if (selection.dir !== undefined && selection.dir.replace(/^\.?\/+|\/+$/g, '') !== '') {
    const prefix = `${selection.dir.replace(/^\.?\/+|\/+$/g, '')}/`;
    const inside = all.filter((path) => path.startsWith(prefix)).map((path) => path.slice(prefix.length));
    if (inside.length === 0) throw datasetError(`${where}: no files under '${prefix}' (--dataset-dir).`);
    return selectSplitFiles(inside, undefined, { ...selection, dir: undefined }, `${where}/${prefix.slice(0, -1)}`).map((path) => prefix + path);
  }
  const split = selection.split ?? 'train';
  const data = all.filter(isDataFile);
  if (selection.files && selection.files.length > 0) return matchFiles(all, selection.files, where);
  const configs = cardConfigs(readmeText, `${where}/README.md`);
  if (configs && configs.length > 0) {
    const config =
      selection.config === undefined
        ? (configs.find((item) => item.default) ?? configs[0])
        : configs.find((item) => (item.config_name ?? 'default') === selection.config);
    if (!config) {
      throw datasetError(`${where}: no config '${selection.config}' in README.md; configs: ${configs.map((item) => item.config_name ?? 'default').join(', ')}.`);
    }
    const patterns = filesOfConfig(config as YamlConfig, split, where);
    if (patterns) return matchFiles(all, patterns, where);
  }
  let candidates = data;
  if (selection.config !== undefined) {
    candidates = data.filter((path) => path.startsWith(`${selection.config}/`));
    if (candidates.length === 0) throw datasetError(`${where}: no folder '${selection.config}' for --dataset-config, and README.md names no configs.`);
  }
  if (candidates.length === 0) throw datasetError(`${where}: no data files (${DATA_FILE_EXTENSIONS.join(', ')}) in this folder.`);
  const splits = new Map<string, string[]>();
  for (const path of candidates) {
    const name = splitOf(path);
    if (name !== undefined) splits.set(name, [...(splits.get(name) ?? []), path]);
  }
  if (splits.size === 0) {
    if (split === 'train') return candidates;
    throw datasetError(`${where}: no file names a split, so all data is 'train', not '${split}'.`);
  }
  const files = splits.get(split);
  if (!files) throw datasetError(`${where}: no split '${split}'; splits found: ${[...splits.keys()].join(', ')}. Choose one with --dataset-split.`);
  return files;
}

/** Whether `path` is a local file or folder. */
export function localKind(path: string): 'file' | 'folder' | undefined {
  if (!existsSync(path)) return undefined;
  return statSync(path).isDirectory() ? 'folder' : 'file';
}
