export type { ModelFolder } from './model-folder';
export { type ShardModelWeightsOptions, shardModelWeights } from './shard-model-weights';
export { addWeightPrefix, renameModelWeights, stripWeightPrefix } from './rename-model-weights';
export { castModelWeights } from './cast-model-weights';
export { pickleOnlyModel } from './pickle-only-model';
export { vocabMergesTokenizer } from './vocab-merges-tokenizer';
