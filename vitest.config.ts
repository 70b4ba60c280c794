import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['packages/*/src/**/*.test.ts', 'packages/*/bench/**/*.test.ts', 'test/**/*.test.ts'],
    // Integration tests start real nats-server processes: give them room, and run files
    // in a few forks so the 2-core machines stay responsive.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // expect.poll waits for real servers and processes: seconds, not vitest's default 1 s.
    expect: { poll: { timeout: 20_000 } },
    pool: 'forks',
    maxWorkers: 2,
  },
});
