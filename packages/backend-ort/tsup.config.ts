import { defineConfig } from 'tsup';
import { nodeAndBrowserBuilds } from '../../tsup.shared';

// onnxruntime-node loads a native addon and onnxruntime-web its wasm files next to itself;
// bundling either would break that lookup. `#ort-platform` resolves to ort-platform-node.ts in the
// Node build and to ort-platform-browser.ts in the browser one, which never references onnxruntime-node.
export default defineConfig(nodeAndBrowserBuilds({ both: { external: ['onnxruntime-node', 'onnxruntime-web', 'onnxruntime-common'] } }));
