import { inseqVitestConfig } from '../../vitest.shared';

export default inseqVitestConfig({
  isolated: [
    // What the first backend pick does in a fresh process.
    'src/init-tfjs-fallback.test.ts',
  ],
});
