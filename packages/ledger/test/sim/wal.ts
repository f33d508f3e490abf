/**
 * The simulated WAL: records framed as [length u32][first 4 bytes of SHA-256(payload)][payload].
 * A crash in the middle of a write leaves a torn last frame; `read` detects it (short frame or
 * checksum mismatch) and drops it, as the node's WAL must.
 */
import { sha256 } from '../../src/crypto/index.js'

export class SimWal {
  #frames: Uint8Array[] = []

  append(payload: Uint8Array): void {
    this.#frames.push(frame(payload))
  }

  /** A write interrupted by a crash: only the first `fraction` of the frame reaches the disk. */
  appendTorn(payload: Uint8Array, fraction: number): void {
    const f = frame(payload)
    this.#frames.push(f.subarray(0, Math.max(1, Math.min(f.length - 1, Math.floor(f.length * fraction)))))
  }

  /** Drops everything but the last `keep` frames (compaction after a commit). */
  keepLast(keep: number): void {
    this.#frames = this.#frames.slice(-keep)
  }

  read(): { records: Uint8Array[]; torn: boolean } {
    let total = 0
    for (const f of this.#frames) total += f.length
    const bytes = new Uint8Array(total)
    let off = 0
    for (const f of this.#frames) {
      bytes.set(f, off)
      off += f.length
    }
    const records: Uint8Array[] = []
    let pos = 0
    while (pos < bytes.length) {
      if (bytes.length - pos < 8) return this.#truncate(records, true)
      const view = new DataView(bytes.buffer, bytes.byteOffset + pos, 8)
      const length = view.getUint32(0)
      if (bytes.length - pos - 8 < length) return this.#truncate(records, true)
      const payload = bytes.subarray(pos + 8, pos + 8 + length)
      const sum = sha256(payload)
      for (let i = 0; i < 4; i++) if (sum[i] !== bytes[pos + 4 + i]) return this.#truncate(records, true)
      records.push(payload)
      pos += 8 + length
    }
    return { records, torn: false }
  }

  /** After a torn tail the node rewrites its WAL with the good records only. */
  #truncate(records: Uint8Array[], torn: boolean): { records: Uint8Array[]; torn: boolean } {
    this.#frames = records.map(frame)
    return { records, torn }
  }
}

function frame(payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(8 + payload.length)
  new DataView(out.buffer).setUint32(0, payload.length)
  out.set(sha256(payload).subarray(0, 4), 4)
  out.set(payload, 8)
  return out
}
