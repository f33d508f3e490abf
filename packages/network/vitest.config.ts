import { defineProject } from 'vitest/config'

export default defineProject({
  test: {
    name: 'network',
    include: ['test/**/*.test.ts'],
    setupFiles: ['./src/polyfill.ts'],
    testTimeout: 30_000,
  },
})
