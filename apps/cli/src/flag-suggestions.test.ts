import { describe, expect, it } from 'vitest';
import { createProgram } from './run-cli';
import { runCaptured } from './run-captured.test-support';

/** What each command needs besides the mistyped flag, so that the flag is what fails. */
const REQUIRED: Readonly<Record<string, string[]>> = {
  attribute: ['-i', 'Hello'],
  show: ['out.json'],
  explain: ['saliency'],
  evaluate: [],
  'attribute-dataset': ['-d', 'data.jsonl', '--input-text-field', 'text', '-o', 'out.jsonl'],
  'attribute-context': ['--input-current-text', 'Hello'],
  worker: ['--queue', 'redis://127.0.0.1:1'],
};

/** `--attribution-method` → `--atribution-method`: one letter dropped, past the first two. */
const typo = (flag: string) => `${flag.slice(0, 4)}${flag.slice(5)}`;

const commands = createProgram().commands.map((command) => ({
  name: command.name(),
  flags: command.options.map((option) => option.long).filter((long): long is string => long !== undefined && long.length > 6 && !long.startsWith('--no-')),
}));

describe('a mistyped flag of any subcommand suggests the right one', () => {
  it('covers the new commands', () => {
    expect(commands.map((command) => command.name)).toEqual(
      expect.arrayContaining(['show', 'list-aggregators', 'list-aggregation-functions', 'attribute-dataset', 'attribute-context', 'worker']),
    );
  });
  for (const { name, flags } of commands) {
    it.each(flags)(`${name} %s`, async (flag) => {
      const { code, stderr } = await runCaptured(name, ...(REQUIRED[name] ?? []), typo(flag), '1');
      expect(code).toBe(2);
      expect(stderr).toContain(`error: unknown option '${typo(flag)}'`);
      expect(stderr).toContain(`(Did you mean ${flag}?)`);
    });
  }
  it('a mistyped command suggests the right one', async () => {
    const { code, stderr } = await runCaptured('shwo', 'x.json');
    expect(code).toBe(2);
    expect(stderr).toContain('(Did you mean show?)');
  });
});
