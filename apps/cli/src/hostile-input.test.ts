import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, lstatSync, statSync } from 'node:fs';
import { lstat, mkdir, mkdtemp, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadOutput } from 'inseq';
import { describe, expect, it } from 'vitest';
import { MAX_PASSES_WITHOUT_YES } from './cost-estimate';
import { renameToFlags, ATTRIBUTE_FLAG_NAMES } from './flag-names';
import { runCaptured } from './run-captured.test-support';
import { createProgressReporter } from './progress';
import { escapeControlCharacters } from './terminal-text';

const run = runCaptured;
// turbo.json builds the CLI before its tests (@inseq/cli#test depends on its own build).
const BIN = fileURLToPath(new URL('../dist/bin.js', import.meta.url));
const quick = ['attribute', '-i', 'The cat', '-g', 'The cat sat on', '--hide'];
const folder = () => mkdtemp(join(tmpdir(), 'inseq-hostile-'));
/** A model path that does not exist: an error about anything else shows it was checked before loading. */
const NO_MODEL = join(tmpdir(), 'inseq-no-such-model-folder');
const STACK = /\n\s+at /;
// biome-ignore lint/suspicious/noControlCharactersInRegex: asserting that no raw escape reaches the terminal.
const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

describe('inseq attribute: output files and devices', () => {
  it('-o /dev/null writes the device and leaves it a character device (root here), saying "Wrote", not "Saved"', async () => {
    const { code, stderr } = await run(...quick, '-o', '/dev/null', '--viz-path', '/dev/null'.replace('null', 'zero'));
    expect(stderr).toBe('Wrote attributions to /dev/null\nWrote heatmap to /dev/zero\n');
    expect(code).toBe(0);
    expect(lstatSync('/dev/null').isCharacterDevice()).toBe(true);
    expect(lstatSync('/dev/zero').isCharacterDevice()).toBe(true);
  });

  it("-o - writes the JSON to stdout (no table mixed in); --viz-path beside it is still a file", async () => {
    const directory = await folder();
    const html = join(directory, 'out.html');
    const { code, stdout, stderr } = await run('attribute', '-i', 'The cat', '-g', 'The cat sat', '-o', '-', '--viz-path', html);
    expect(code).toBe(0);
    expect(JSON.parse(stdout).sequence_attributions).toHaveLength(1);
    expect(stderr).toBe(`Wrote attributions to standard output\nWrote heatmap to ${html}\n`);
    expect(await readFile(html, 'utf8')).toMatch(/^<!DOCTYPE html>/i);
  });

  it('follows a symlink: the link stays, its target gets the output', async () => {
    const directory = await folder();
    await mkdir(join(directory, 'real'));
    await writeFile(join(directory, 'real', 'out.json'), 'old');
    await symlink('real/out.json', join(directory, 'link.json'));
    const { code, stderr } = await run(...quick, '-o', join(directory, 'link.json'));
    expect(code).toBe(0);
    expect(stderr).toBe(`Saved attributions to ${join(directory, 'link.json')}\n`);
    expect((await lstat(join(directory, 'link.json'))).isSymbolicLink()).toBe(true);
    expect((await loadOutput(join(directory, 'real', 'out.json'))).sequence_attributions).toHaveLength(1);
    expect(await readdir(join(directory, 'real'))).toEqual(['out.json']);
  });

  describe('bad output paths: refused before the model is loaded, nothing written, no stack', () => {
    async function refused(argv: (directory: string) => string[], message: (directory: string) => string) {
      const directory = await folder();
      await writeFile(join(directory, 'afile'), 'keep');
      const before = (await readdir(directory)).sort();
      const { code, stdout, stderr } = await run('attribute', '-m', NO_MODEL, '-i', 'The cat', '--hide', ...argv(directory));
      expect(stderr).toBe(`error: ${message(directory)}\n`);
      expect(stderr).not.toMatch(STACK);
      expect(code).toBe(1);
      expect(stdout).toBe('');
      expect((await readdir(directory)).sort()).toEqual(before);
      expect(await readFile(join(directory, 'afile'), 'utf8')).toBe('keep');
    }
    it('-o X.json --viz-path X.json (the HTML would overwrite the JSON)', () =>
      refused(
        (d) => ['-o', join(d, 'X.json'), '--viz-path', join(d, 'X.json')],
        (d) => `Cannot write --viz-path ${JSON.stringify(join(d, 'X.json'))}: --save-path writes the same file; give each output its own path.`,
      ));
    it('-o ""', () => refused(() => ['-o', ''], () => `Cannot write --save-path "": the path is empty; give a file path (or '-' for standard output).`));
    it('--viz-path ""', () => refused(() => ['--viz-path', ''], () => `Cannot write --viz-path "": the path is empty; give a file path (or '-' for standard output).`));
    it('-o OUT.json --viz-path missing-dir/OUT.html leaves no OUT.json', () =>
      refused(
        (d) => ['-o', join(d, 'OUT.json'), '--viz-path', join(d, 'missing-dir', 'OUT.html')],
        (d) => `Cannot write --viz-path ${JSON.stringify(join(d, 'missing-dir', 'OUT.html'))}: the folder ${JSON.stringify(join(d, 'missing-dir'))} does not exist; create it first.`,
      ));
    it('-o afile/OUT.json where afile is a file (was an ENOTDIR stack trace)', () =>
      refused(
        (d) => ['-o', join(d, 'afile', 'OUT.json')],
        (d) => `Cannot write --save-path ${JSON.stringify(join(d, 'afile', 'OUT.json'))}: ${JSON.stringify(join(d, 'afile'))} is not a folder (a file is in the way).`,
      ));
    it('-o <a folder>', () =>
      refused(
        (d) => ['-o', d],
        (d) => `Cannot write --save-path ${JSON.stringify(d)}: it is a folder; give a file path, '-' for standard output, or a character device such as /dev/null.`,
      ));
    it('--split-sequences with -o -', () =>
      refused(() => ['-o', '-', '--split-sequences'], () => '--split-sequences writes one file per sequence; give --save-path a file path, not "-".'));
    it('-o - --viz-path - (both on stdout)', () =>
      refused(() => ['-o', '-', '--viz-path', '-'], () => 'Cannot write --viz-path "-": --save-path writes the same stream; give each output its own path.'));
  });

  it('commits all outputs together: when the heatmap cannot be written, the existing JSON is untouched and no temporary file is left', async () => {
    const directory = await folder();
    const json = join(directory, 'OUT.json');
    await writeFile(json, 'previous run');
    const { code, stderr } = await run(...quick, '-o', json, '--viz-path', '/dev/full');
    expect(code).toBe(1);
    expect(stderr).toMatch(/^error: Cannot write --viz-path "\/dev\/full": ENOSPC/);
    expect(stderr).not.toContain('Saved');
    expect(await readFile(json, 'utf8')).toBe('previous run');
    expect(await readdir(directory)).toEqual(['OUT.json']);
  });

  it('-o /dev/stdout (spawned bin): writes through the pipe, keeps the link, skips the table', () => {
    const result = spawnSync(process.execPath, [BIN, ...quick.filter((a) => a !== '--hide'), '-o', '/dev/stdout'], { encoding: 'utf8', timeout: 60_000 });
    expect(result.stderr).toBe('Wrote attributions to standard output\n');
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout).sequence_attributions).toHaveLength(1);
    expect(lstatSync('/dev/stdout').isSymbolicLink()).toBe(true);
  });
});

describe('inseq attribute: options name the flag the user typed', () => {
  it('--step-scores-args typos are refused like --attribution-kwargs ones, naming the flag, before the model loads', async () => {
    const typo = await run('attribute', '-m', NO_MODEL, '-i', 'The cat', '--step-scores', 'probability', '--step-scores-args', '{"logprb": true}');
    expect(typo.stderr).toBe("error: --step-scores-args (for probability) has no option 'logprb'. Did you mean 'logprob'? Its options are: logprob.\n");
    expect(typo.code).toBe(1);
    const none = await run('attribute', '-m', NO_MODEL, '-i', 'The cat', '--step-scores-args', '{"logprob": true}');
    expect(none.stderr).toBe("error: --step-scores-args (no step_scores asked) has no option 'logprob'. Its options are: (none).\n");
    const kwargs = await run('attribute', '-m', NO_MODEL, '-i', 'The cat', '-a', 'integrated_gradients', '--attribution-kwargs', '{"n_stesp": 3}');
    expect(kwargs.stderr).toMatch(/^error: --attribution-kwargs: integrated_gradients has no option 'n_stesp'\. Did you mean 'n_steps'\?/);
    const fnArgs = await run('attribute', '-m', NO_MODEL, '-i', 'The cat', '--attributed-fn-args', '{"logprb": true}');
    expect(fnArgs.stderr).toMatch(/^error: --attributed-fn-args: Step function 'probability' has no option 'logprb'\. Did you mean 'logprob'\?/);
  });

  it('numeric flags: --max-new-tokens 0, --batch-size 0 (usage errors), --start-pos / --end-pos out of range, never a library name', async () => {
    for (const flag of ['--max-new-tokens', '--batch-size']) {
      const { code, stderr } = await run('attribute', '-i', 'The cat', flag, '0');
      expect(code).toBe(2);
      expect(stderr).toContain(`error: option '${flag} <n>' argument '0' is invalid. must be a positive integer (at least 1), got '0'.`);
    }
    const start = await run(...quick, '--start-pos', '40');
    expect(start.code).toBe(1);
    expect(start.stderr).toMatch(/^error: Attribution positions \[40, \d+\) do not fit sequence 0 with \d+ target tokens; need 1 <= --start-pos <= --end-pos <= \d+\.\n$/);
    const end = await run(...quick, '--start-pos', '2', '--end-pos', '1');
    expect(end.code).toBe(1);
    expect(end.stderr).toContain('--start-pos <= --end-pos');
    const generated = await run('attribute', '-i', 'The cat', 'A dog', '-g', 'The cat sat', '--hide');
    expect(generated.stderr).toMatch(/^error: Got 2 input texts but 1 generated texts/);
    for (const result of [start, end, generated]) expect(result.stderr).not.toMatch(/maxNewTokens|batchSize|attrPos|generatedTexts|stepScoresArgs/);
    expect(renameToFlags('maxNewTokens must be a positive integer; use maxNewTokens <= 3 or batchSize 2.', ATTRIBUTE_FLAG_NAMES)).toBe(
      '--max-new-tokens must be a positive integer; use --max-new-tokens <= 3 or --batch-size 2.',
    );
    expect(renameToFlags('see max-maxNewTokens and maxNewTokensX', ATTRIBUTE_FLAG_NAMES)).toBe('see max-maxNewTokens and maxNewTokensX');
  });

  it('n_steps: 1e9 is refused by the method’s limit; a large legal run needs --yes, with the estimated passes', async () => {
    const absurd = await run('attribute', '-m', NO_MODEL, '-i', 'The cat', '-a', 'integrated_gradients', '--attribution-kwargs', '{"n_steps": 1e9}');
    expect(absurd.stderr).toBe("error: --attribution-kwargs: integrated_gradients option 'n_steps' must be <= 10000, got 1000000000.\n");
    expect(absurd.code).toBe(1);
    const large = ['attribute', '-i', 'The cat', '--max-new-tokens', '30', '-a', 'integrated_gradients', '--attribution-kwargs', '{"n_steps": 9000}', '--hide'];
    const asked = await run(...large);
    expect(asked.stderr).toBe(
      `error: This run needs about 270,000 forward/backward passes (30 target steps over 1 sequence × n_steps 9000), more than ${MAX_PASSES_WITHOUT_YES.toLocaleString('en-US')}; lower n_steps in --attribution-kwargs, or pass --yes to run it anyway.\n`,
    );
    expect(asked.code).toBe(1);
    // With --yes the estimate no longer stops it: the run goes on to the next check (positions after generation).
    const yes = await run(...large, '--yes', '--start-pos', '40');
    expect(yes.stderr).toMatch(/^error: Attribution positions \[40, /);
    // Forced texts count their continuation tokens; many sequences add up.
    const forced = await run('attribute', '-i', 'The cat', 'A dog', '-g', 'The cat sat on the mat', 'A dog ran in the park', '-a', 'integrated_gradients', '--attribution-kwargs', '{"n_steps": 10000}', '--hide');
    expect(forced.stderr).toMatch(/^error: This run needs about [\d,]+ forward\/backward passes \(\d+ target steps over 2 sequences × n_steps 10000\)/);
  });

  it('evaluate: per-method option typos and limits name --attribution-kwargs, before any work', async () => {
    const directory = await folder();
    const dataset = join(directory, 'cases.jsonl');
    await writeFile(dataset, '{"phenomenon":"fact","prompt":"The capital of France is","target":" Paris","decisive":"France"}\n');
    const { code, stderr } = await run('evaluate', '-m', NO_MODEL, '--dataset', dataset, '--attribution-kwargs', '{"integrated_gradients": {"n_steps": 1e9}}');
    expect(stderr).toBe("error: --attribution-kwargs: integrated_gradients option 'n_steps' must be <= 10000, got 1000000000.\n");
    expect(code).toBe(1);
    const clash = await run('evaluate', '-m', NO_MODEL, '--dataset', dataset, '-o', join(directory, 'e.json'), '--html', join(directory, 'e.json'));
    expect(clash.stderr).toBe(`error: Cannot write --html ${JSON.stringify(join(directory, 'e.json'))}: --save-path writes the same file; give each output its own path.\n`);
    expect(await readdir(directory)).toEqual(['cases.jsonl']);
  });
});

describe('the terminal: escaped messages, plugins, Ctrl-C', () => {
  it('escapes C0/C1 control characters but newline and tab', () => {
    expect(escapeControlCharacters('a\u001b]0;owned\u0007\u001b[2Jb\tc\nd\r\u009b\u007f')).toBe('a\\x1b]0;owned\\x07\\x1b[2Jb\tc\nd\\x0d\\x9b\\x7f');
    expect(escapeControlCharacters('plain “text” é ✓')).toBe('plain “text” é ✓');
  });

  it('an error quoting file content cannot clear the screen or retitle the window', async () => {
    const directory = await folder();
    const dataset = join(directory, 'cases.jsonl');
    await writeFile(dataset, '\u001b]0;owned\u0007\u001b[2J{"phenomenon": "x"}\n');
    const { code, stderr } = await run('evaluate', '--dataset', dataset, '-a', 'saliency');
    expect(code).toBe(1);
    expect(stderr).toMatch(/^error: .*cases\.jsonl, line 1: not valid JSON/);
    expect(stderr).toContain('\\x1b');
    expect(stderr.slice(0, -1)).not.toMatch(RAW_CONTROL);
    // Commander's own messages (they echo the arguments) are escaped too.
    const unknown = await run('attribute', '--bogus\u001b[2J', '-i', 'x');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown option '--bogus\\x1b[2J'");
    expect(unknown.stderr.replaceAll('\n', '')).not.toMatch(RAW_CONTROL);
  });

  it('a plugin whose register() throws is named with its error, no stack', async () => {
    const directory = await folder();
    const plugin = join(directory, 'boom.mjs');
    await writeFile(plugin, "export default { name: 'boom', register() { throw new Error('registry is sealed\\u001b[2J'); } };\n");
    const { code, stderr } = await run('attribute', '-m', NO_MODEL, '-i', 'The cat', '--plugin', plugin);
    expect(stderr).toBe(`error: Plugin 'boom' (from '${plugin}') failed to register: registry is sealed\\x1b[2J. Fix the plugin or leave it out.\n`);
    expect(code).toBe(1);
    const explain = await run('explain', 'saliency', '--plugin', plugin);
    expect(explain.stderr).toMatch(/^error: Plugin 'boom'/);
  });

  it('the progress bar changes no terminal mode: no hidden cursor (ESC[?25l), no line wrap off (ESC[?7l), so Ctrl-C leaves nothing to restore', () => {
    let written = '';
    const reporter = createProgressReporter({ stdout: { write: () => undefined }, stderr: { isTTY: true, columns: 60, write: (text: string) => {
          written += text;
        },
      },
    } as never, 'saliency');
    reporter.update({ done: 0, total: 3 } as never);
    reporter.update({ done: 2, total: 3 } as never);
    expect(written).toContain('saliency [');
    reporter.stop();
    expect(written).not.toContain('\u001b[?25l');
    expect(written).not.toContain('\u001b[?7l');
    // The bar truncates its own line to the terminal's width instead of turning wrapping off.
    // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping the bar's escape sequences.
    const sequences = /\u001b(\[[0-9;?]*[A-Za-z]|7|8)/g;
    for (const line of written.split('\u001b[1G')) expect(line.replace(sequences, '').length).toBeLessThanOrEqual(60);
  });

  const hasScript = spawnSync('script', ['--version'], { encoding: 'utf8' }).status === 0;
  it.runIf(hasScript)('Ctrl-C in the middle of a long step (spawned bin on a pseudo-terminal): ends at once, status 130, terminal modes untouched', async () => {
    const argv = ['attribute', '-i', 'The cat', '-g', 'The cat sat on the mat and the dog', '-a', 'integrated_gradients', '--attribution-kwargs', '{"n_steps": 300}', '--hide'];
    const quoted = [process.execPath, BIN, ...argv].map((arg) => `'${arg.replaceAll("'", "'\\''")}'`).join(' ');
    // `script` gives the command a pseudo-terminal, so stderr is a TTY and the bar shows; -e returns its status.
    const child: ChildProcess = spawn('script', ['-q', '-e', '-c', `echo PID=$$; exec ${quoted}`, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'] });
    const startedAt = Date.now();
    let output = '';
    let sentAt: number | undefined;
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
      const pid = Number(/PID=(\d+)/.exec(output)?.[1]);
      // The bar is up: the run is inside its first integrated-gradients step (seconds of synchronous work).
      if (sentAt === undefined && pid > 0 && output.includes('integrated_gradients [')) {
        sentAt = Date.now();
        process.kill(pid, 'SIGINT');
      }
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 100_000);
    const code = await exited;
    clearTimeout(timer);
    expect(sentAt).toBeDefined();
    // At once, not after the run: the bar first shows after the first of 8 steps (300 path points
    // each), so the time to it (start-up + one step) is less than the 7 steps left; Node's default
    // SIGINT action ends the process well within it, however busy the machine.
    expect(Date.now() - sentAt!).toBeLessThan(sentAt! - startedAt);
    expect(code).toBe(130);
    expect(output).not.toContain('\u001b[?25l');
    expect(output).not.toContain('\u001b[?7l');
    expect(output).not.toMatch(/error|at .*\.js:\d+/);
  });
});

describe('sanity of the fixtures', () => {
  it('/dev/full and /dev/zero are character devices here', () => {
    expect(statSync('/dev/full').isCharacterDevice()).toBe(true);
    expect(statSync('/dev/zero').isCharacterDevice()).toBe(true);
  });
});
