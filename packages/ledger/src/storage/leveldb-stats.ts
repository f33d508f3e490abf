/**
 * LevelDB's own compaction statistics (`property('leveldb.stats')`), parsed. LevelDB prints, per
 * level, the files and size it holds and — cumulated since the database was opened — the time
 * spent compacting into it and the bytes read and written doing so, all in whole megabytes:
 *
 *                                    Compactions
 *     Level  Files Size(MB) Time(sec) Read(MB) Write(MB)
 *     --------------------------------------------------
 *       0        2        3         0        0        16
 *       1        5        9         1       20        24
 *
 * A level's writes are the memtable flushes placed in it (level 0, or deeper while the levels
 * below are empty) and the compactions into it; the levels cannot tell the two apart, so the
 * totals are kept: bytes written to table files against the bytes the node wrote (counted by the
 * node) is LevelDB's write amplification, which state pages keyed by hash push up (every new
 * file overlaps every level).
 */
const MB = 1024 * 1024

export type LevelDbStats = {
  readonly files: number
  readonly sizeBytes: number
  /** Bytes written to table files: memtable flushes and compactions. */
  readonly writtenBytes: number
  /** Bytes compactions read. */
  readonly compactionReadBytes: number
  readonly compactionSeconds: number
}

/** Parses `leveldb.stats`; undefined when the text has no level rows (not LevelDB's). */
export function parseLevelDbStats(text: string): LevelDbStats | undefined {
  let rows = 0
  const s: { -readonly [K in keyof LevelDbStats]: LevelDbStats[K] } = {
    files: 0,
    sizeBytes: 0,
    writtenBytes: 0,
    compactionReadBytes: 0,
    compactionSeconds: 0,
  }
  for (const line of text.split('\n')) {
    const m = /^\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*$/.exec(line)
    if (m === null) continue
    const [, files, sizeMb, seconds, readMb, writeMb] = m.slice(1).map(Number) as [
      number,
      number,
      number,
      number,
      number,
      number,
    ]
    rows++
    s.files += files
    s.sizeBytes += sizeMb * MB
    s.compactionSeconds += seconds
    s.compactionReadBytes += readMb * MB
    s.writtenBytes += writeMb * MB
  }
  return rows === 0 ? undefined : s
}
