/**
 * Length-prefixed frames (unsigned varint length, then the bytes) on libp2p streams, with a
 * per-protocol size limit. A frame over the limit is refused before its bytes are buffered;
 * every failure becomes a coded `P2pError`.
 */
import { lpStream, type LengthPrefixedStream } from '@libp2p/utils'
import type { Stream } from '@libp2p/interface'
import { decode, isGovchainError, type Encodable, encode } from '@govchain/ledger'
import { P2pError, P2pErrorCode } from '../errors.js'

export type FrameStream = {
  /** Next frame's bytes; throws P2P_FRAME_TOO_LARGE, P2P_MALFORMED_FRAME or P2P_TIMEOUT. */
  read(signal?: AbortSignal): Promise<Uint8Array>
  /** Next frame strictly decoded as canonical CBOR. */
  readValue(what: string, signal?: AbortSignal): Promise<unknown>
  write(bytes: Uint8Array, signal?: AbortSignal): Promise<void>
  writeValue(value: Encodable, signal?: AbortSignal): Promise<void>
  readonly stream: Stream
}

/**
 * One wrapper per stream and side: it buffers everything that arrives, so a second wrapper on
 * the same stream would see (and limit) the other side's frames too. Reads are limited to
 * `maxReadBytes` (checked on the length prefix, before buffering), writes to `maxWriteBytes`.
 */
export function frameStream(stream: Stream, maxReadBytes: number, maxWriteBytes = maxReadBytes): FrameStream {
  const maxFrameBytes = maxReadBytes
  const lp: LengthPrefixedStream<Stream> = lpStream(stream, {
    maxDataLength: maxReadBytes,
    maxBufferSize: maxReadBytes + 16,
  })
  const read = async (signal?: AbortSignal): Promise<Uint8Array> => {
    try {
      return (await lp.read(signal === undefined ? {} : { signal })).subarray()
    } catch (e) {
      throw asFrameError(e, maxFrameBytes)
    }
  }
  return {
    stream,
    read,
    readValue: async (what, signal) => decode(await read(signal), maxFrameBytes, what),
    write: async (bytes, signal) => {
      if (bytes.length > maxWriteBytes) {
        throw new P2pError(
          P2pErrorCode.FRAME_TOO_LARGE,
          `frame of ${bytes.length} bytes exceeds ${maxWriteBytes}`,
        )
      }
      await lp.write(bytes, signal === undefined ? {} : { signal })
    },
    writeValue: async (value, signal) => {
      const bytes = encode(value)
      if (bytes.length > maxWriteBytes) {
        throw new P2pError(
          P2pErrorCode.FRAME_TOO_LARGE,
          `frame of ${bytes.length} bytes exceeds ${maxWriteBytes}`,
        )
      }
      await lp.write(bytes, signal === undefined ? {} : { signal })
    },
  }
}

/** Codes that prove the peer sent bad data (and cost it a penalty). */
export const MISBEHAVIOUR_CODES: ReadonlySet<string> = new Set([
  P2pErrorCode.FRAME_TOO_LARGE,
  P2pErrorCode.MALFORMED_FRAME,
  P2pErrorCode.WRONG_CHAIN,
])

/**
 * Maps libp2p's stream and length errors to coded errors. Only what the peer demonstrably sent
 * (an over-long length prefix, bytes that do not decode) is MALFORMED / TOO_LARGE; a reset,
 * abort or early end of stream is STREAM_CLOSED — a slow or restarting honest node causes those.
 */
export function asFrameError(e: unknown, maxFrameBytes: number): P2pError {
  if (e instanceof P2pError) return e
  if (isGovchainError(e)) return new P2pError(P2pErrorCode.MALFORMED_FRAME, e.message, { cause: e.code })
  const name = (e as { name?: string })?.name ?? ''
  const message = (e as Error)?.message ?? String(e)
  if (name === 'InvalidDataLengthError' || name === 'InvalidDataLengthLengthError')
    return new P2pError(P2pErrorCode.FRAME_TOO_LARGE, `frame exceeds ${maxFrameBytes} bytes`)
  if (name === 'InvalidMessageLengthError')
    return new P2pError(P2pErrorCode.MALFORMED_FRAME, 'bad frame length')
  if (name === 'AbortError' || name === 'TimeoutError') return new P2pError(P2pErrorCode.TIMEOUT, message)
  return new P2pError(P2pErrorCode.STREAM_CLOSED, `stream ended: ${message}`)
}
