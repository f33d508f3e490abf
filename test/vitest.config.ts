import { defineProject } from 'vitest/config'

export default defineProject({
  test: {
    name: 'e2e',
    include: ['**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Each file runs its own 4-process network: one at a time on 2 cores.
    fileParallelism: false,
  },
})
