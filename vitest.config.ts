import { defineConfig } from 'vitest/config';

// Two projects: `unit` (pure code, the embedded server, CLI subprocess tests over loopback) and
// `real` (real API servers built by `npm run testbed:build`: kube-apiserver + etcd, kine, kinm,
// and the client-go informer probe as the oracle). The fault and bad-input suite (test/faults/) is
// part of `unit`; `npm run test:faults` runs it alone with WATCHMARK_FAULTS=slow (its slow variants,
// which print their figures). `npm test` runs both; the real project skips
// with one line outside CI when the testbed is not built, and fails on CI.
export default defineConfig({
  test: {
    pool: 'forks',
    projects: [
      {
        test: {
          name: 'unit',
          setupFiles: ['test/support/arena-event-equality.ts'],
          include: ['src/**/*.test.ts', 'test/*.test.ts', 'test/faults/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
          pool: 'forks',
        },
      },
      {
        test: {
          name: 'real',
          setupFiles: ['test/support/arena-event-equality.ts'],
          include: ['test/real/**/*.test.ts'],
          testTimeout: 240_000,
          hookTimeout: 240_000,
          pool: 'forks',
        },
      },
    ],
  },
});
