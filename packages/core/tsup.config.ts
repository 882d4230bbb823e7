import { defineConfig } from 'tsup';
import { nodeAndBrowserBuilds } from '../../tsup.shared';

// `#core-platform` (package.json `imports`) resolves to the Node built-ins in the node build and to
// their browser stand-ins in the browser build.
export default defineConfig(nodeAndBrowserBuilds());
