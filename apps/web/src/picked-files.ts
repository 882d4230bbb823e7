/**
 * Files of a model folder by path inside it (`config.json`, `onnx/model.onnx`), from a
 * `webkitdirectory` input or a drop. The picked folder's own name is dropped from the paths.
 */
export interface PickedFolder {
  readonly name: string;
  readonly files: Record<string, File>;
}

function strip(paths: readonly [string, File][]): PickedFolder {
  const first = paths[0]?.[0].split('/')[0] ?? 'model';
  const inFolder = paths.length > 0 && paths.every(([path]) => path.startsWith(`${first}/`));
  const files: Record<string, File> = {};
  for (const [path, file] of paths) files[inFolder ? path.slice(first.length + 1) : path] = file;
  return { name: inFolder ? first : 'dropped files', files };
}

/** The folder chosen with `<input type="file" webkitdirectory>`. */
export function folderFromInput(list: FileList): PickedFolder {
  return strip(Array.from(list, (file) => [file.webkitRelativePath || file.name, file] as [string, File]));
}

function entryFiles(entry: FileSystemEntry, prefix: string): Promise<[string, File][]> {
  if (entry.isFile) {
    return new Promise((resolve, reject) => (entry as FileSystemFileEntry).file((file) => resolve([[`${prefix}${entry.name}`, file]]), reject));
  }
  const reader = (entry as FileSystemDirectoryEntry).createReader();
  return new Promise((resolve, reject) => {
    const all: FileSystemEntry[] = [];
    // readEntries gives the folder in batches until an empty one.
    const next = () =>
      reader.readEntries(async (batch) => {
        if (batch.length > 0) {
          all.push(...batch);
          next();
          return;
        }
        try {
          const nested = await Promise.all(all.map((child) => entryFiles(child, `${prefix}${entry.name}/`)));
          resolve(nested.flat());
        } catch (error) {
          reject(error);
        }
      }, reject);
    next();
  });
}

/** The folder (or loose files) dropped on the page. */
export async function folderFromDrop(transfer: DataTransfer): Promise<PickedFolder> {
  const entries = Array.from(transfer.items, (item) => item.webkitGetAsEntry()).filter((entry): entry is FileSystemEntry => entry !== null);
  const nested = await Promise.all(entries.map((entry) => entryFiles(entry, '')));
  return strip(nested.flat());
}
