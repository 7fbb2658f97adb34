import { defineConfig } from 'vitest/config';

// Three projects, run one after another (sequence.groupOrder): unit tests of pure logic,
// integration tests against real servers on loopback, and end-to-end tests that share one
// real control plane started by the global setup.
export default defineConfig({
  test: {
    reporters: ['default'],
    projects: [
      {
        test: {
          name: 'unit',
          sequence: { groupOrder: 0 },
          include: [
            'controller/**/*.test.ts',
            'cli/**/*.test.ts',
            'dashboard/src/**/*.test.ts',
            'test/unit/**/*.test.ts',
          ],
          environment: 'node',
          // Some cases start processes (helm, kustomize, Node.js): a busy two-core machine needs
          // more than the default five seconds. Not a speed check: benchmarks measure speed.
          testTimeout: 30_000,
        },
      },
      {
        test: {
          // Real servers on loopback (git, sshd, Prometheus), no cluster.
          name: 'integration',
          sequence: { groupOrder: 1 },
          include: ['test/integration/**/*.test.ts'],
          environment: 'node',
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          name: 'e2e',
          sequence: { groupOrder: 2 },
          include: ['test/e2e/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['test/e2e/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 300_000,
          // Tests share one control plane; files run in parallel, each in its own namespace.
          fileParallelism: true,
          maxWorkers: 2,
        },
      },
    ],
  },
});
