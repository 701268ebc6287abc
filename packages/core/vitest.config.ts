import { defineProject } from 'vitest/config';
import { tcDecorators } from '../../vitest.shared.js';

export default defineProject({
  plugins: [tcDecorators()],
  test: {
    include: ['src/**/*.test.ts'],
    testTimeout: 30_000,
  },
});
