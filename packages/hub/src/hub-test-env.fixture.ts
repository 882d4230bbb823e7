import { vi } from 'vitest';

/** Hides the developer's own Hugging Face settings (token, offline, endpoint) from a test. */
export function isolateHubEnvironment(): void {
  vi.stubEnv('HF_TOKEN', undefined);
  vi.stubEnv('HF_TOKEN_PATH', '/nonexistent/inseq-test-token');
  vi.stubEnv('HF_HUB_OFFLINE', undefined);
  vi.stubEnv('HF_ENDPOINT', undefined);
}
