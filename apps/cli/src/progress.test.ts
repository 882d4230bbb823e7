import { describe, expect, it } from 'vitest';
import { createProgressReporter, formatRate } from './progress';

describe('the progress bar', () => {
  it('shows this run’s rate and an ETA (a resumed run counts from where it starts)', async () => {
    let written = '';
    const io = { stdout: { write: () => undefined }, stderr: { isTTY: true, columns: 120, write: (text: string) => {
          written += text;
        },
      },
     };
    const reporter = createProgressReporter(io as never, 'saliency', 'examples');
    reporter.update({ done: 40, total: 100 });
    await new Promise((resolve) => setTimeout(resolve, 250));
    reporter.update({ done: 50, total: 100 });
    // The bar redraws on its own timer (10 frames a second).
    await new Promise((resolve) => setTimeout(resolve, 250));
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the bar's cursor escapes.
    const lines = written.split(/\u001b\[[0-9;]*[A-Za-z]|\r|\n/).filter((line) => line.includes('50/100'));
    expect(lines.length).toBeGreaterThan(0);
    const [, rate] = /\| ([0-9.]+) examples\/s \|/.exec(lines.at(-1)!) ?? [];
    // 10 examples in 0.25 s or a little more (timers fire late, never early), not 50 in that time.
    expect(Number(rate)).toBeGreaterThan(5);
    expect(Number(rate)).toBeLessThanOrEqual(40.5);
    expect(lines.at(-1)).toMatch(/eta \d+s/);
    reporter.stop();
  });

  it('writes rates with three significant digits', () => {
    expect([formatRate(0.1234), formatRate(12.345), formatRate(1234.5)]).toEqual(['0.123', '12.3', '1235']);
  });
});
