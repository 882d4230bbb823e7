export { QueueConnectionError, checkRedisConnection, explainRedisError, parseRedisUrl, redactRedisUrl } from './connection';
export { type AttributionRequest, type QueueExample, type QueueJobData, type QueueJobResult, defaultQueueName, jobIdOf } from './job-data';
export { type EnqueueExamplesOptions, type EnqueueResult, enqueueExamples, openQueue } from './enqueue';
export { type CollectProgress, type CollectResultsOptions, type CollectResultsSummary, type FailedExample, collectResults } from './collect';
export { type JobDone, type RunWorkerOptions, type WorkerHandle, runWorker } from './worker';
export { type InseqAttribute, type InseqAttributeOptions, inseqAttribute, modelCacheKey } from './attribute-job';
