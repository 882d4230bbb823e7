import { inseqVitestConfig } from '../../vitest.shared';

export default inseqVitestConfig();
