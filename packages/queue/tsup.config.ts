import { defineConfig } from 'tsup';
import { nodeAndBrowserBuilds } from '../../tsup.shared';

// Node only: BullMQ and ioredis speak TCP to Redis.
export default defineConfig(nodeAndBrowserBuilds()[0] ?? {});
