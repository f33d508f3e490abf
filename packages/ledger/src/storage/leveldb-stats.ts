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
 * Writes into level 0 are memtable flushes; writes into deeper levels are compactions rewriting
 * what is already on disk. Their ratio is LevelDB's write amplification, which state pages keyed
 * by hash push up (every new file overlaps every level).
 */
const MB = 1024 * 1024

export type LevelDbStats = {
  readonly files: number
  readonly sizeBytes: number
  /** Bytes written by memtable flushes (into level 0). */
  readonly flushedBytes: number
  /** Bytes written by compactions (into levels 1 and deeper). */
  readonly compactedBytes: number
  /** Bytes compactions read. */
  readonly compactionReadBytes: number
  readonly compactionSeconds: number
}

export const NO_LEVELDB_STATS: LevelDbStats = {
  files: 0,
  sizeBytes: 0,
  flushedBytes: 0,
  compactedBytes: 0,
  compactionReadBytes: 0,
  compactionSeconds: 0,
}

/** Parses `leveldb.stats`; undefined when the text has no level rows (not LevelDB's). */
export function parseLevelDbStats(text: string): LevelDbStats | undefined {
  let rows = 0
  const s: { -readonly [K in keyof LevelDbStats]: LevelDbStats[K] } = { ...NO_LEVELDB_STATS }
  for (const line of text.split('\n')) {
    const m = /^\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*$/.exec(line)
    if (m === null) continue
    const [level, files, sizeMb, seconds, readMb, writeMb] = m.slice(1).map(Number) as [
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
    if (level === 0) s.flushedBytes += writeMb * MB
    else s.compactedBytes += writeMb * MB
  }
  return rows === 0 ? undefined : s
}
