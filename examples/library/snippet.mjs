// The README's library snippet, exactly (apps/cli/src/readme-snippet.test.ts checks they match and runs it).
// Run from the repository root: pnpm example:library
import { attribute, loadModel, renderOutputTerminal } from 'inseq';

const model = await loadModel('models/inseq-demo-gpt2'); // a local folder, or a Hub id such as 'openai-community/gpt2'
const out = await attribute(model, 'The capital of France is', { method: 'integrated_gradients' });
console.log(renderOutputTerminal(out));
