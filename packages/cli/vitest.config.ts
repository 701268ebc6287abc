import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    include: ['src/**/*.test.ts'],
    // The CLI tests run the built binary; this compiles it once before any test file starts.
    globalSetup: ['./src/__tests__/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
