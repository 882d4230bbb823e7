import { parseArgs } from 'node:util';
import { InvalidInputError, loadModel, writeFileAtomic } from 'inseq';
import { DEMO_MODEL, defaultModelPath } from './default-model-path';
import { OCCUPATIONS } from './occupations';
import { renderBiasReport } from './render-report';
import { biasCaseStudyJson, runBiasCaseStudy } from './run-bias-case-study';

/** Where the command writes what it says. */
export interface CliIo {
  readonly log: (line: string) => void;
  readonly error: (line: string) => void;
}

const USAGE = `Usage: inseq-bias-case-study [--model <folder>] [--out report.html] [--json numbers.json]
                             [--n-steps 50] [--occupations nurse,engineer,…]

Attributes "The {occupation} said that" / "The {occupation} told me that" → " she" vs " he" with
integrated gradients and writes an HTML report (she-rate chart, tables, heatmaps) and the numbers.
  --model        model folder (default: ${DEMO_MODEL}, found by walking up from this script)
  --out          HTML report (default: bias-case-study.html)
  --json         also write the numbers as JSON
  --n-steps      integrated gradients steps (default: 50)
  --occupations  comma-separated subset of: ${OCCUPATIONS.map((occupation) => occupation.name).join(', ')}`;

/**
 * The case study's command line: loads the model, runs {@link runBiasCaseStudy}, writes the report
 * (and JSON) whole or not at all. Returns the exit code: 0, or 1 with the reason on `io.error`.
 */
export async function runCaseStudyCli(argv: readonly string[], io: CliIo = { log: console.log, error: console.error }): Promise<number> {
  try {
    const { values } = parseArgs({
      args: [...argv],
      options: {
        model: { type: 'string' },
        out: { type: 'string', default: 'bias-case-study.html' },
        json: { type: 'string' },
        'n-steps': { type: 'string', default: '50' },
        occupations: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    });
    if (values.help) {
      io.log(USAGE);
      return 0;
    }
    const nSteps = Number(values['n-steps']);
    if (!Number.isInteger(nSteps) || nSteps < 1) throw new InvalidInputError(`--n-steps must be a positive integer, got ${JSON.stringify(values['n-steps'])}.`, { code: 'INVALID_ARGUMENT' });
    let occupations = OCCUPATIONS;
    if (values.occupations !== undefined) {
      const names = values.occupations.split(',').map((name) => name.trim()).filter((name) => name !== '');
      const unknown = names.filter((name) => !OCCUPATIONS.some((occupation) => occupation.name === name));
      if (names.length === 0 || unknown.length > 0) {
        throw new InvalidInputError(
          `--occupations: unknown ${unknown.map((name) => JSON.stringify(name)).join(', ') || '(none given)'}; known: ${OCCUPATIONS.map((occupation) => occupation.name).join(', ')}.`, { code: 'INVALID_ARGUMENT' },
        );
      }
      occupations = OCCUPATIONS.filter((occupation) => names.includes(occupation.name));
    }
    const modelPath = values.model ?? defaultModelPath();
    if (modelPath === undefined) {
      throw new InvalidInputError(
        `No --model given and the demo model ${DEMO_MODEL} is not in this repository (looked upwards from this script). ` +
          'Pass a model folder, e.g. --model models/tiny-gpt2 (random weights: a pipeline check only).', { code: 'INVALID_ARGUMENT' },
      );
    }
    const model = await loadModel(modelPath);
    try {
      const result = await runBiasCaseStudy(model, {
        occupations,
        attributionArgs: { n_steps: nSteps },
        onPrompt: (done, total, prompt) => io.error(`[${done}/${total}] ${prompt}`),
      });
      await writeFileAtomic(values.out, renderBiasReport(result));
      io.log(`Wrote ${values.out}`);
      if (values.json !== undefined) {
        await writeFileAtomic(values.json, `${JSON.stringify(biasCaseStudyJson(result), null, 2)}\n`);
        io.log(`Wrote ${values.json}`);
      }
      for (const occupation of result.occupations) {
        io.log(
          `${occupation.occupation.padEnd(13)} corpus ${(occupation.statedSheRate * 100).toFixed(0).padStart(3)}%  model ${(occupation.sheRate * 100).toFixed(1).padStart(5)}%  ` +
            `occupation share ${(occupation.occupationShare * 100).toFixed(1).padStart(5)}%  on top ${occupation.topCount}/${occupation.promptCount}`,
        );
      }
    } finally {
      await model.backend.dispose();
    }
    return 0;
  } catch (error) {
    io.error(error instanceof Error ? error.message : String(error));
    return 1;
  }
}
