/**
 * glibc malloc settings for node processes, passed in `GLIBC_TUNABLES` when a process is started
 * (glibc reads them once, at start; they cannot be set from inside).
 *
 * - `mmap_threshold=131072`: allocations of 128 KiB or more get their own mapping, returned to
 *   the kernel when freed. glibc's default threshold starts there but rises to the size of the
 *   largest block freed (up to 32 MiB), after which LevelDB's large write batches, memtables and
 *   block values come from the arenas and stay resident once freed. Setting it fixes it.
 * - `arena_max=2`: at most two arenas instead of eight per core, so memory freed by one of a
 *   node's threads (libuv's pool, LevelDB's compaction thread, signature workers) is reused by the
 *   others instead of held per thread.
 *
 * Their effect on a large block's peak memory is measured in docs/bench.md ("Memory").
 */
export const NODE_MALLOC_TUNABLES: Readonly<Record<string, string>> = {
  'glibc.malloc.mmap_threshold': '131072',
  'glibc.malloc.arena_max': '2',
}

/**
 * `env` with NODE_MALLOC_TUNABLES added to its `GLIBC_TUNABLES`; a tunable already set there
 * keeps its value (an operator's choice wins). Other C libraries ignore the variable.
 */
export function withMallocTunables(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const given = (env.GLIBC_TUNABLES ?? '').split(':').filter((t) => t.length > 0)
  const names = new Set(given.map((t) => t.split('=')[0]))
  const added = Object.entries(NODE_MALLOC_TUNABLES)
    .filter(([name]) => !names.has(name))
    .map(([name, value]) => `${name}=${value}`)
  return { ...env, GLIBC_TUNABLES: [...given, ...added].join(':') }
}
