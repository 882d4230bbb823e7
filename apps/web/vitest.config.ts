import { inseqVitestConfig } from '../../vitest.shared';

export default inseqVitestConfig({
  // The browser test builds the app and starts Chromium in its hook.
  test: { hookTimeout: 300_000 },
});
