import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCaptured } from './run-captured.test-support';

const run = runCaptured;

describe('inseq explain', () => {
  it('shows a method’s options from its spec: type, default, range, description', async () => {
    const { code, stdout } = await run('explain', 'integrated_gradients');
    expect(code).toBe(0);
    const lines = stdout.split('\n');
    expect(lines[0]).toBe('integrated_gradients · attribution method (gradient)');
    expect(stdout).toContain('Needs from the backend: gradients.');
    expect(stdout).toContain('Paper: Sundararajan, Taly & Yan (2017), Axiomatic Attribution for Deep Networks, arXiv:1703.01365');
    expect(stdout).toContain(`Options (--attribution-kwargs '{"n_steps": …}'):`);
    const nSteps = lines.find((line) => line.startsWith('n_steps'))!;
    expect(nSteps.split(/\s{2,}/)).toEqual(['n_steps', 'number', '50', 'an integer >= 1 <= 10000', 'Points on the path from the baseline to the input (Captum n_steps).']);
    const method = lines.find((line) => line.startsWith('method '))!;
    expect(method).toContain("one of 'gausslegendre', 'riemann_trapezoid'");
  });
  it('shows step functions, required options and methods without options', async () => {
    const topP = await run('explain', 'top_p_size');
    expect(topP.stdout).toMatch(/^top_p_size · step function/);
    expect(topP.stdout).toMatch(/top_p\s+number\s+\(required\)\s+a finite number > 0 <= 1/);
    const attention = await run('explain', 'attention');
    expect(attention.stdout).toContain('Options: none.');
  });
  it('explains a plugin’s method, whose options come from its own spec', async () => {
    const plugin = fileURLToPath(new URL('../../../examples/custom-plugin/src/index.ts', import.meta.url));
    const { code, stdout } = await run('explain', 'gradient_norm', '--plugin', plugin);
    expect(code).toBe(0);
    expect(stdout).toMatch(/ord\s+number\s+2\s+a finite number > 0\s+Order p of the norm/);
  });
  it('names the paper of every built-in method but dummy', async () => {
    const { createDefaultRegistries } = await import('inseq');
    const missing = createDefaultRegistries().methods.values().filter((method) => method.name !== 'dummy' && !/\(\d{4}\), .+, arXiv:\d{4}\.\d{4,5}$/.test(method.paper ?? ''));
    expect(missing.map((method) => method.name)).toEqual([]);
  });

  it('refuses an unknown id, suggesting the closest', async () => {
    const { code, stderr } = await run('explain', 'intgrated_gradients');
    expect(code).toBe(1);
    expect(stderr).toContain("Nothing is called 'intgrated_gradients'. Did you mean 'integrated_gradients'?");
  });
});
