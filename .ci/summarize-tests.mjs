// Reads the vitest JSON report of `pnpm test` (one run of every package's tests, written to
// .vitest/report.json at the root) into the one closing line CI reads.
import { existsSync, readFileSync } from 'node:fs';

const report = '.vitest/report.json';
if (!existsSync(report)) {
  console.log(`No test report at ${report}: the test run did not start or did not finish.`);
  console.log('0 passed, 0 failed');
  process.exit(1);
}
const json = JSON.parse(readFileSync(report, 'utf8'));
const passed = json.numPassedTests;
const failed = json.numFailedTests;
const skipped = json.numPendingTests + (json.numTodoTests ?? 0);
const crashed = json.testResults.filter((file) => file.status === 'failed' && file.assertionResults.length === 0).length;
if (crashed > 0) console.log(`${crashed} test file(s) failed before running a test (see the log above).`);
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exitCode = failed > 0 || crashed > 0 || !json.success ? 1 : 0;
