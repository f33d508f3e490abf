import { defineProject } from 'vitest/config'

export default defineProject({
  test: {
    name: 'ledger',
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
  },
})
