import { inseqVitestConfig } from '../../vitest.shared';

// Two workers: this suite is one of the longest, and one worker alone would leave a core idle at the end of `pnpm test`.
export default inseqVitestConfig({ test: { maxWorkers: 2 } });
