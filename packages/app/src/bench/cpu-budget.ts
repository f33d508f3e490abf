/**
 * What the hardware allows, in CPU time: the bench's ratio compares validation with the block's
 * signatures verified alone on all cores, so on a machine whose cores the signature batch fills,
 * every other microsecond of CPU a transaction costs (on any thread: execution, hashing, the
 * state tree, LevelDB's writes, garbage collection) lowers the best ratio reachable, however
 * well it overlaps the batch.
 *
 * With `cores` cores, a signature costing `s` µs of CPU and everything else `o` µs, a block of n
 * transactions needs at least n·(s + o) / cores µs, so
 *
 *   ratio ≤ cores · 10⁶ / ((s + o) · rawLimitPerSecond)
 *
 * `s` is measured by the one-thread verifier, `o` by the warm rounds (signatures already
 * cached: the process's CPU over the round, all threads). The same bound solved for `o` at a
 * target ratio gives the CPU the rest of validation may cost to reach it.
 *
 * Part of `o` no faster code removes while the database layout stays: writing the block's
 * operations (storage-floor.ts). With `o` reduced to that alone, the bound is the best ratio
 * this layout on this store allows, were execution, hashing, the tree and collection free.
 */

export type CpuBudgetInput = {
  readonly cores: number
  readonly txs: number
  /** Process CPU of a warm round (signatures cached), median ms, all threads. */
  readonly warmCpuMs: number
  /** Process CPU of a cold round, median ms, all threads. */
  readonly coldCpuMs: number
  /** Process CPU of the block's database writes alone (the storage floor), median ms. */
  readonly storageCpuMs: number
  /** Verifications per second on one thread (CPU per signature = 1 / this). */
  readonly singleThreadPerSecond: number
  readonly rawLimitPerSecond: number
}

export type CpuBudget = {
  /** CPU per transaction of a cold round (µs, all threads). */
  readonly coldUsPerTx: number
  /** CPU per transaction of everything but signature verification: a warm round (µs). */
  readonly otherUsPerTx: number
  /** CPU of one signature verification on one thread (µs). */
  readonly signatureUsPerTx: number
  /** The best ratio to the raw limit reachable at this CPU cost, whatever the overlap. */
  readonly cpuBoundRatio: number
  /** The most CPU per transaction (µs) everything but the signature may cost for 85 %. */
  readonly otherUsPerTxFor85: number
  /** CPU per transaction of the block's database writes alone (µs, the storage floor). */
  readonly storageUsPerTx: number
  /** The bound with everything but the signature and the storage floor free. */
  readonly storageBoundRatio: number
}

export const TARGET_RATIO = 0.85

/**
 * The CPU a transaction may cost in all (µs, signature included) for validation to run at `ratio`
 * of the raw limit on `cores`: the cores' time per transaction at that rate.
 */
export function usPerTxAtRatio(cores: number, rawLimitPerSecond: number, ratio: number): number {
  return (cores * 1e6) / (ratio * rawLimitPerSecond)
}

export function cpuBudget(input: CpuBudgetInput): CpuBudget {
  const { cores, txs, rawLimitPerSecond } = input
  const signatureUsPerTx = 1e6 / input.singleThreadPerSecond
  const otherUsPerTx = (input.warmCpuMs * 1000) / txs
  const bound = (usPerTx: number) => (cores * 1e6) / ((signatureUsPerTx + usPerTx) * rawLimitPerSecond)
  const cpuBoundRatio = bound(otherUsPerTx)
  const storageUsPerTx = (input.storageCpuMs * 1000) / txs
  return {
    coldUsPerTx: (input.coldCpuMs * 1000) / txs,
    otherUsPerTx,
    signatureUsPerTx,
    cpuBoundRatio,
    otherUsPerTxFor85: usPerTxAtRatio(cores, rawLimitPerSecond, TARGET_RATIO) - signatureUsPerTx,
    storageUsPerTx,
    storageBoundRatio: bound(storageUsPerTx),
  }
}

export type NodeCpuBudgetInput = {
  readonly cores: number
  /** The network's nodes, all on this machine's cores. */
  readonly nodes: number
  /** Each node's mean CPU over the window, % of one core (null where it could not be read). */
  readonly nodeCpuPercents: readonly (number | null)[]
  readonly committedPerS: number
  /** The load target's committed tx/s (60 % × raw ÷ nodes); null when not computed. */
  readonly goalPerS: number | null
}

export type NodeCpuBudget = {
  /** A node's CPU per committed transaction, the mean over the nodes (µs, all its threads). */
  readonly usPerTxPerNode: number | null
  /**
   * The most a node may spend per transaction for the nodes to commit the goal rate on this
   * machine's cores (µs): cores ÷ (nodes × goal), nothing left for the load generator.
   */
  readonly allowedUsPerTxPerNode: number | null
}

export function nodeCpuBudget(input: NodeCpuBudgetInput): NodeCpuBudget {
  const known = input.nodeCpuPercents.filter((p): p is number => p !== null)
  const usPerTxPerNode =
    known.length === 0 || input.committedPerS <= 0
      ? null
      : ((known.reduce((a, b) => a + b, 0) / known.length / 100) * 1e6) / input.committedPerS
  const allowedUsPerTxPerNode =
    input.goalPerS === null || input.goalPerS <= 0
      ? null
      : (input.cores * 1e6) / (input.nodes * input.goalPerS)
  return { usPerTxPerNode, allowedUsPerTxPerNode }
}
