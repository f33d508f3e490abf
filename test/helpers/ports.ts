/** Free loopback ports for the multi-process tests (several test files start networks at once). */
import { createServer } from 'node:net'

export function portFree(port: number): Promise<boolean> {
  return new Promise((done) => {
    const s = createServer()
    s.once('error', () => done(false)).listen(port, '127.0.0.1', () => s.close(() => done(true)))
  })
}

const handedOut = new Set<number>()

/**
 * A base port whose node ports are free: API ports base..base+nodes-1 and p2p ports
 * base+100.. (generateDevnet's layout). Bases are drawn at random below Linux's ephemeral range
 * (32,768), so outgoing connections cannot hold them, and never twice in one process.
 */
export async function freeBasePort(nodes = 4): Promise<number> {
  for (;;) {
    const base = 20_000 + Math.floor(Math.random() * 120) * 100
    if (handedOut.has(base)) continue
    const ports = Array.from({ length: nodes }, (_, i) => [base + i, base + 100 + i]).flat()
    if ((await Promise.all(ports.map(portFree))).every(Boolean)) {
      handedOut.add(base)
      return base
    }
  }
}
