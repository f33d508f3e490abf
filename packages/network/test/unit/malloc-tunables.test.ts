import { describe, expect, it } from 'vitest'
import { nodeCommand } from '../../src/devnet.js'
import { NODE_MALLOC_TUNABLES, withMallocTunables } from '../../src/malloc-tunables.js'

const OURS = 'glibc.malloc.mmap_threshold=131072:glibc.malloc.arena_max=2'

describe('withMallocTunables', () => {
  it.each([
    ['no GLIBC_TUNABLES', undefined, OURS],
    ['an empty one', '', OURS],
    ['other tunables (kept, ours appended)', 'glibc.pthread.rseq=0', `glibc.pthread.rseq=0:${OURS}`],
    [
      "an operator's threshold (theirs wins)",
      'glibc.malloc.mmap_threshold=65536',
      'glibc.malloc.mmap_threshold=65536:glibc.malloc.arena_max=2',
    ],
    [
      'both already set',
      'glibc.malloc.arena_max=4:glibc.malloc.mmap_threshold=1',
      'glibc.malloc.arena_max=4:glibc.malloc.mmap_threshold=1',
    ],
  ])('%s', (_, given, expected) => {
    const env = withMallocTunables({
      PATH: '/bin',
      ...(given === undefined ? {} : { GLIBC_TUNABLES: given }),
    })
    expect(env.GLIBC_TUNABLES).toBe(expected)
    expect(env.PATH).toBe('/bin')
  })

  it('does not change the environment it is given', () => {
    const env = { GLIBC_TUNABLES: 'glibc.pthread.rseq=0' }
    withMallocTunables(env)
    expect(env).toEqual({ GLIBC_TUNABLES: 'glibc.pthread.rseq=0' })
  })

  it('is how the devnet starts its nodes', () => {
    const { env } = nodeCommand('/tmp/home')
    for (const [name, value] of Object.entries(NODE_MALLOC_TUNABLES))
      expect(env.GLIBC_TUNABLES?.split(':')).toContain(`${name}=${value}`)
    expect(env.UV_THREADPOOL_SIZE).toBeDefined()
  })
})
