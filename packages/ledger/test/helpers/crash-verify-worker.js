// A signature worker that dies (exit code 3) when a chunk contains the bytes "CRASH-NOW" and
// otherwise does what the real one (src/crypto/verify-worker.js) does.
import { Buffer } from 'node:buffer'
import { parentPort } from 'node:worker_threads'
import { verifyPacked } from '../../src/crypto/verify-batch.js'

const marker = Buffer.from('CRASH-NOW')

function contains(bytes, needle) {
  outer: for (let i = 0; i + needle.length <= bytes.length; i++) {
    for (let j = 0; j < needle.length; j++) if (bytes[i + j] !== needle[j]) continue outer
    return true
  }
  return false
}

parentPort.on('message', ({ id, buf, count }) => {
  if (contains(new Uint8Array(buf), marker)) process.exit(3)
  const verdicts = verifyPacked(buf, count)
  parentPort.postMessage({ id, verdicts, buf }, [verdicts.buffer, buf])
})
