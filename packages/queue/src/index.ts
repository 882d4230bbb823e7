export { type InseqAttribute, type InseqAttributeOptions, inseqAttribute, modelCacheKey } from './attribute-job';
export { type CollectProgress, type CollectResultsOptions, type CollectResultsSummary, collectResults, type FailedExample } from './collect';
export { checkRedisConnection, explainRedisError, parseRedisUrl, QueueConnectionError, redactRedisUrl } from './connection';
export { type EnqueueExamplesOptions, type EnqueueResult, enqueueExamples, openQueue } from './enqueue';
export { type AttributionRequest, defaultQueueName, jobIdOf, type QueueExample, type QueueJobData, type QueueJobResult } from './job-data';
export { type JobDone, type RunWorkerOptions, runWorker, type WorkerHandle } from './worker';
