import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { GradientRule } from '../gradient-rule';
import { activationRules } from './activation';
import { elementwiseRules, nonDifferentiableRules } from './elementwise';
import { gradientRules } from './index';
import { matmulRules } from './matmul';
import { normalizationRules } from './normalization';
import { reduceRules } from './reduce';
import { shapeRules } from './shape';

// docs/gradient-rules.md is the per-op table of the registry; this test keeps the two equal.
const table = readFileSync(new URL('../../../docs/gradient-rules.md', import.meta.url), 'utf8');

/** The rule families by the file that defines them, as the table's "Rule file" column names them. */
const families: Record<string, Record<string, GradientRule>> = {
  'elementwise.ts': elementwiseRules,
  'matmul.ts': matmulRules,
  'shape.ts': shapeRules,
  'reduce.ts': reduceRules,
  'normalization.ts': normalizationRules,
  'activation.ts': activationRules,
};

/** The rows of the tables under the `## heading` that starts with `heading`, as cells; the op's backticks removed. */
function rowsUnder(heading: string): string[][] {
  const start = table.indexOf(`\n## ${heading}`);
  if (start < 0) throw new Error(`docs/gradient-rules.md has no section '## ${heading}…'.`);
  const end = table.indexOf('\n## ', start + 1);
  const section = table.slice(start, end < 0 ? undefined : end);
  return section
    .split('\n')
    .filter((line) => /^\| `[^`]+` \|/.test(line))
    .map((line) =>
      line
        .slice(1, -1)
        .split(' | ')
        .map((cell, index) => (index === 0 ? cell.trim().replace(/^`|`$/g, '') : cell.trim())),
    );
}

/** "all (A, B)" → undefined (every input); "1, 2 (X, Y; …)" → [1, 2]. */
function parseInputs(cell: string, op: string): readonly number[] | undefined {
  if (/^all\b/.test(cell)) return undefined;
  const match = /^(\d+(?:, \d+)*) \(/.exec(cell);
  if (match === null) throw new Error(`docs/gradient-rules.md: ${op}'s differentiable inputs '${cell}' are neither 'all (…)' nor 'i, j (…)'.`);
  return match[1].split(', ').map(Number);
}

describe('docs/gradient-rules.md', () => {
  const differentiated = rowsUnder('Differentiated ops');
  const stopping = rowsUnder('Ops that stop a path');

  it('lists every registered rule with a gradient once, and nothing else', () => {
    const listed = differentiated.map(([op]) => op);
    expect(new Set(listed).size).toBe(listed.length);
    const registered = Object.keys(gradientRules).filter((op) => gradientRules[op].gradient !== undefined);
    expect([...listed].sort()).toEqual([...registered].sort());
  });

  it('lists every op registered without a gradient (a path stops there) once, and nothing else', () => {
    const listed = stopping.map(([op]) => op);
    expect(new Set(listed).size).toBe(listed.length);
    const registered = Object.keys(gradientRules).filter((op) => gradientRules[op].gradient === undefined);
    expect([...listed].sort()).toEqual([...registered].sort());
    for (const op of listed) expect(nonDifferentiableRules[op], op).toBe(gradientRules[op]);
  });

  it("names each rule's file and its differentiable inputs as the registry has them", () => {
    for (const [op, file, inputs] of differentiated) {
      const family = families[file.replace(/`/g, '')];
      expect(family, `${op}: unknown rule file ${file}`).toBeDefined();
      // The registry's entry is this family's (no later family overrides it).
      expect(gradientRules[op], `${op} in ${file}`).toBe(family[op]);
      expect(parseInputs(inputs, op), `${op}'s differentiable inputs`).toEqual(gradientRules[op].differentiableInputs);
    }
  });
});
