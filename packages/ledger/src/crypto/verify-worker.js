// Worker thread of the signature pool (verify-pool.ts).
// In:  { id, buf: ArrayBuffer, count } — a packed chunk (verify-batch.js).
// Out: { id, verdicts: Uint8Array (1 = valid), buf } — both buffers transferred to the pool.
// The chunk goes back too: a transferred buffer is freed by the garbage collector of the thread
// holding it last, and a worker's, with next to no garbage of its own, rarely runs — chunks of
// tens of megabytes per large block piled up here until it did. The pool's thread collects often.
import { readlinkSync } from 'node:fs'
import { setPriority } from 'node:os'
import { parentPort, workerData } from 'node:worker_threads'
import { verifyPacked } from './verify-batch.js'

// Lower this thread's CPU priority (Linux: a thread id is a valid target of setpriority), so
// that the thread validating a block — whose work is the critical path — is not slowed down by
// the verifiers running beside it; they take whatever CPU it leaves. Best effort.
if (workerData?.nice > 0) {
  try {
    setPriority(Number(readlinkSync('/proc/thread-self').split('/').pop()), workerData.nice)
  } catch {
    // not Linux, or not allowed: normal priority
  }
}

parentPort.on('message', ({ id, buf, count }) => {
  const verdicts = verifyPacked(buf, count)
  parentPort.postMessage({ id, verdicts, buf }, [verdicts.buffer, buf])
})
