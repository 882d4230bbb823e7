import { execFileSync } from 'node:child_process';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { chmod, lstat, mkdir, mkdtemp, readdir, readFile, readlink, stat, symlink, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../errors/invalid-input-error';
import { saveOutput } from './save-output';
import { checkOutputPaths, writeOutputFiles } from './write-output-files';

const directory = () => mkdtemp(join(tmpdir(), 'inseq-write-'));
const output = {
  sequence_attributions: [],
  step_attributions: null,
  info: { attribution_method: 'saliency' },
};

async function rejection(promise: Promise<unknown>): Promise<InvalidInputError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(InvalidInputError);
  expect((error as InvalidInputError).code).toBe('INVALID_ARGUMENT');
  return error as InvalidInputError;
}

describe('writeOutputFiles / checkOutputPaths', () => {
  it('writes /dev/null directly and leaves it a character device (tests run as root)', async () => {
    const [target] = await writeOutputFiles([{ path: '/dev/null', data: 'x'.repeat(100_000) }]);
    expect(target.kind).toBe('device');
    await saveOutput(output, '/dev/null');
    expect(statSync('/dev/null').isCharacterDevice()).toBe(true);
    expect((await lstat('/dev/null')).isCharacterDevice()).toBe(true);
    expect((await readdir('/dev')).filter((name) => name.startsWith('.null.'))).toEqual([]);
  });

  it("writes '-' to the given stdout (a plain writer or a Node stream) and reports it as stdout", async () => {
    let text = '';
    const [target] = await writeOutputFiles([{ path: '-', data: '{"a": 1}\n' }], {
        stdout: {
          write: (data) => {
            text += String(data);
          },
        },
      });
    expect(target).toMatchObject({ kind: 'stdout', path: '-' });
    expect(text).toBe('{"a": 1}\n');
    const stream = new PassThrough();
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    await writeOutputFiles([{ path: '-', data: Uint8Array.of(1, 2, 3) }], { stdout: stream });
    expect([...Buffer.concat(chunks)]).toEqual([1, 2, 3]);
  });

  it('follows a symlink to a regular file: the target is replaced, the link stays (relative chains too)', async () => {
    const folder = await directory();
    await mkdir(join(folder, 'real'));
    await writeFile(join(folder, 'real', 'target.json'), 'old');
    await symlink('real/target.json', join(folder, 'hop.json'));
    await symlink('hop.json', join(folder, 'link.json'));
    const [target] = await writeOutputFiles([{ path: join(folder, 'link.json'), data: 'new' }]);
    expect(target.kind).toBe('file');
    expect(target.writePath).toBe(join(folder, 'real', 'target.json'));
    expect((await lstat(join(folder, 'link.json'))).isSymbolicLink()).toBe(true);
    expect(await readlink(join(folder, 'link.json'))).toBe('hop.json');
    expect(await readFile(join(folder, 'real', 'target.json'), 'utf8')).toBe('new');
    expect((await readdir(join(folder, 'real'))).sort()).toEqual(['target.json']);
  });

  it('writes through a dangling symlink to the file it names', async () => {
    const folder = await directory();
    await mkdir(join(folder, 'sub'));
    await symlink('sub/later.json', join(folder, 'dangling.json'));
    await writeOutputFiles([{ path: join(folder, 'dangling.json'), data: 'made' }]);
    expect((await lstat(join(folder, 'dangling.json'))).isSymbolicLink()).toBe(true);
    expect(await readFile(join(folder, 'sub', 'later.json'), 'utf8')).toBe('made');
    // A dangling link into a missing folder is refused, naming that folder.
    await symlink('nowhere/x.json', join(folder, 'broken.json'));
    expect((await rejection(writeOutputFiles([{ path: join(folder, 'broken.json'), data: 'x' }]))).message).toMatch(/the folder ".*nowhere" does not exist/);
  });

  it('writes a FIFO directly to its reader and leaves it a FIFO', async () => {
    const folder = await directory();
    const fifo = join(folder, 'pipe');
    execFileSync('mkfifo', [fifo]);
    const chunks: Buffer[] = [];
    const reader = new Promise<string>((resolve, reject) => {
      const stream = createReadStream(fifo);
      stream.on('data', (chunk) => chunks.push(chunk as Buffer));
      stream.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      stream.on('error', reject);
    });
    const [target] = await writeOutputFiles([{ path: fifo, data: 'through the pipe' }]);
    expect(target.kind).toBe('device');
    expect(await reader).toBe('through the pipe');
    expect((await lstat(fifo)).isFIFO()).toBe(true);
  });

  it('refuses folders, sockets, empty paths and symlink loops, naming the label and the fix', async () => {
    const folder = await directory();
    expect((await rejection(checkOutputPaths([{ path: folder, label: '--save-path' }]))).message).toBe(
      `Cannot write --save-path ${JSON.stringify(folder)}: it is a folder; give a file path, '-' for standard output, or a character device such as /dev/null.`,
    );
    const socketPath = join(folder, 'socket');
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(socketPath, resolve));
    try {
      expect((await rejection(writeOutputFiles([{ path: socketPath, data: 'x' }]))).message).toMatch(/it is a socket/);
      expect((await lstat(socketPath)).isSocket()).toBe(true);
    } finally {
      server.close();
    }
    expect((await rejection(checkOutputPaths([{ path: '', label: '-o' }]))).message).toBe(
      `Cannot write -o "": the path is empty; give a file path (or '-' for standard output).`,
    );
    await symlink('b', join(folder, 'a'));
    await symlink('a', join(folder, 'b'));
    expect((await rejection(checkOutputPaths([join(folder, 'a')]))).message).toMatch(/symbolic links form a loop/);
  });

  it.runIf(existsSync('/dev/loop0') && statSync('/dev/loop0').isBlockDevice())('refuses a block device', async () => {
    expect((await rejection(checkOutputPaths(['/dev/loop0']))).message).toMatch(/it is a block device/);
  });

  it('refuses a missing folder and a file in place of a folder (ENOTDIR) with a clear error, leaving nothing', async () => {
    const folder = await directory();
    await writeFile(join(folder, 'afile'), 'keep');
    const notDir = await rejection(writeOutputFiles([{ path: join(folder, 'afile', 'OUT.json'), data: 'x', label: '-o' }]));
    expect(notDir.message).toBe(`Cannot write -o ${JSON.stringify(join(folder, 'afile', 'OUT.json'))}: ${JSON.stringify(join(folder, 'afile'))} is not a folder (a file is in the way).`);
    const missing = await rejection(saveOutput(output, join(folder, 'missing', 'deeper', 'out.json')));
    expect(missing.message).toMatch(/the folder ".*missing\/deeper" does not exist; create it first/);
    expect(await readdir(folder)).toEqual(['afile']);
    expect(await readFile(join(folder, 'afile'), 'utf8')).toBe('keep');
  });

  it('refuses two outputs that resolve to one file, before writing either', async () => {
    const folder = await directory();
    const json = join(folder, 'X.json');
    const same = await rejection(
      writeOutputFiles([
        { path: json, data: 'json', label: '-o' },
        { path: json, data: '<html>', label: '--viz-path' },
      ]),
    );
    expect(same.message).toBe(`Cannot write --viz-path ${JSON.stringify(json)}: -o writes the same file; give each output its own path.`);
    await symlink('X.json', join(folder, 'alias.json'));
    const aliased = await rejection(checkOutputPaths([{ path: json, label: '-o' }, { path: join(folder, 'alias.json'), label: '--viz-path' }]));
    expect(aliased.message).toMatch(/-o writes the same file \(".*X.json" resolves to it\)/);
    expect((await rejection(checkOutputPaths([`${folder}/./Y.json`, join(folder, 'Y.json')]))).message).toMatch(/output path writes the same file/);
    expect((await rejection(checkOutputPaths(['-', '-']))).message).toMatch(/writes the same stream/);
    expect(await readdir(folder)).toEqual(['alias.json']);
  });

  it('commits all outputs together: a failing device write leaves existing files untouched and no temporary file', async () => {
    const folder = await directory();
    await writeFile(join(folder, 'a.json'), 'old a');
    const before = await readdir(folder);
    // /dev/full fails every write with ENOSPC.
    const full = await rejection(
      writeOutputFiles([
        { path: join(folder, 'a.json'), data: 'new a' },
        { path: join(folder, 'b.json'), data: 'new b' },
        { path: '/dev/full', data: 'x', label: '--viz-path' },
      ]),
    );
    expect(full.message).toMatch(/^Cannot write --viz-path "\/dev\/full": ENOSPC/);
    expect(await readdir(folder)).toEqual(before);
    expect(await readFile(join(folder, 'a.json'), 'utf8')).toBe('old a');
    const throwing = { write: () => { throw new Error('stdout closed'); } };
    await rejection(writeOutputFiles([{ path: join(folder, 'a.json'), data: 'new a' }, { path: '-', data: 'x' }], { stdout: throwing }));
    expect(await readdir(folder)).toEqual(before);
    expect(statSync('/dev/full').isCharacterDevice()).toBe(true);
  });

  it("keeps an existing file's permissions", async () => {
    const folder = await directory();
    const file = join(folder, 'private.json');
    await writeFile(file, 'old');
    await chmod(file, 0o600);
    await writeOutputFiles([{ path: file, data: 'new' }]);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(await readFile(file, 'utf8')).toBe('new');
  });
});

describe('the process’s own streams', () => {
  it('/dev/stdout, /dev/fd/1 and /proc/self/fd/1 are standard output (written through the stream, never opened or replaced)', async () => {
    for (const path of ['/dev/stdout', '/dev/fd/1', '/proc/self/fd/1']) {
      let text = '';
      const [target] = await writeOutputFiles([{ path, data: 'out' }], {
        stdout: {
          write: (data) => {
            text += String(data);
          },
        },
      });
      expect(target).toMatchObject({ path, kind: 'stdout' });
      expect(text).toBe('out');
    }
    expect((await lstat('/dev/stdout')).isSymbolicLink()).toBe(true);
    expect((await rejection(checkOutputPaths(['-', '/dev/stdout']))).message).toMatch(/writes the same stream/);
    const [stderr] = await checkOutputPaths(['/dev/stderr']);
    expect(stderr.kind).toBe('device');
  });
});
