export { createProgram, runCli } from './run-cli';
export type { CliIo } from './cli-io';
export { defaultModelPath } from './default-model-path';
