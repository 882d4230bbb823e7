import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCaptured as run } from './run-captured.test-support';

/** Inseq's `attribute` flags: --include-eos-baseline/--eos, --output-step-attributions, --generation-kwargs, --model-kwargs, -v. */
describe('inseq attribute: the rest of Inseq flags', () => {
  it('--eos and --output-step-attributions are saved (step k = column k of the sequence); -v logs to stderr', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'inseq-cli-flags-'));
    const path = join(directory, 'out.json');
    const result = await run('attribute', '-i', 'Hello', '--generation-kwargs', '{"max_new_tokens": 2, "do_sample": false}', '--eos', '--output-step-attributions', '-o', path, '--hide', '-v');
    expect(result.stderr).not.toContain('error');
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/\[inseq\] loaded .* in \d+\.\d\d s: backend /);
    expect(result.stderr).toMatch(/\[inseq\] attributed 1 sequence\(s\), 2 step\(s\) with saliency/);
    const saved = JSON.parse(await readFile(path, 'utf8'));
    expect(saved.info.include_eos_baseline).toBe(true);
    expect(saved.info.output_step_attributions).toBe(true);
    const sequence = saved.sequence_attributions[0];
    expect(saved.step_attributions).toHaveLength(2);
    for (let k = 0; k < 2; k++) {
      const step = saved.step_attributions[k];
      expect(step.target[0]).toEqual([sequence.target[sequence.attr_pos_start + k]]);
      expect(step.prefix[0]).toEqual(sequence.target.slice(0, sequence.attr_pos_start + k));
      expect(step.source_attributions).toBeNull();
      // target_attributions [batch, target length, hidden]: column k of the sequence's [length, steps, hidden].
      expect(step.target_attributions[0]).toEqual(sequence.target_attributions.map((row: unknown[]) => row[k]));
    }
  });

  it('--generation-kwargs refuses what greedy generation cannot honour, naming the supported keys', async () => {
    const unknown = await run('attribute', '-i', 'Hello', '--generation-kwargs', '{"top_k": 5}', '--hide');
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toContain('--generation-kwargs: unsupported key(s) top_k; supported: max_new_tokens, do_sample');
    const sampling = await run('attribute', '-i', 'Hello', '--generation-kwargs', '{"do_sample": true}', '--hide');
    expect(sampling.stderr).toContain('do_sample must be false');
    const clash = await run('attribute', '-i', 'Hello', '--max-new-tokens', '3', '--generation-kwargs', '{"max_new_tokens": 2}', '--hide');
    expect(clash.stderr).toContain('--max-new-tokens 3 and --generation-kwargs max_new_tokens 2 disagree');
  });

  it('--model-kwargs says why its from_pretrained arguments cannot apply, and still runs', async () => {
    const result = await run('attribute', '-i', 'Hello', '--max-new-tokens', '1', '--model-kwargs', '{"torch_dtype": "float16"}', '--hide', '-vv');
    expect(result.code).toBe(0);
    // Inseq's -vv: the same logging as -v.
    expect(result.stderr).toContain('[inseq] loaded');
    expect(result.stderr).toContain("--model-kwargs torch_dtype ignored: they are arguments of PyTorch's from_pretrained");
  });
});
