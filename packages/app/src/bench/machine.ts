/** The machine facts printed with every figure. */
import { availableParallelism, cpus, loadavg, platform, release, totalmem } from 'node:os'
import type { MachineFacts } from './types.js'

export function loadAverage(): number[] {
  return loadavg().map((n) => Math.round(n * 100) / 100)
}

export function machineFacts(): MachineFacts {
  return {
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    cores: availableParallelism(),
    memoryGb: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    openssl: process.versions.openssl ?? 'unknown',
    v8: process.versions.v8,
    platform: `${platform()} ${release()}`,
    loadAverageStart: loadAverage(),
  }
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return 0
  const s = [...values].sort((a, b) => a - b)
  const mid = s.length >> 1
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2
}
