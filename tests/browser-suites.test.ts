// The two long headless-Chromium suites, one after the other in one file, so that in the root run
// (`pnpm test`) they hold one vitest worker and never both: the other worker keeps running the Node
// test files meanwhile. Run side by side, they held both workers for about 80 s while Chromium,
// pinned to one CPU (see launchChromium), left the other core idle. Each package still runs its
// own suite with `pnpm --filter <package> test`.
import '../apps/web/src/web-app.browser.test';
import '../packages/backend-ort/src/browser.test';
