import { defineConfig } from 'vitest/config';

/**
 * Two projects: `fast` (every test but the slow ones, about a minute) and `slow` (the model
 * search's acceptance on simulated and real data, a few minutes). `npm test` runs both;
 * `npx vitest run --project fast` runs the fast ones alone.
 */
export default defineConfig({
  test: {
    projects: [
      { test: { name: 'fast', include: ['test/**/*.test.ts'], exclude: ['test/slow/**'], testTimeout: 30_000 } },
      { test: { name: 'slow', include: ['test/slow/**/*.test.ts'], testTimeout: 600_000 } },
    ],
  },
});
