/**
 * A Server-Sent Events reader over a fetch response body, following the WHATWG "event stream"
 * parsing rules: UTF-8 with an optional leading BOM; lines end in CRLF, LF or CR (a CR at the
 * end of a chunk may be followed by the LF of the next); `:` starts a comment; a field name is
 * what precedes the first colon, and one space after the colon is dropped; `data` lines are
 * joined with LF; an `id` containing NUL is ignored; `retry` takes ASCII digits only; a blank
 * line dispatches the event (none if no data); an event unfinished at the end of the stream is
 * discarded. Reconnection is the caller's business (the client re-subscribes and re-checks).
 */

export type SseEvent = {
  /** `event:` field, default `message`. */
  readonly type: string
  readonly data: string
  /** The last event id seen on the stream so far. */
  readonly lastEventId: string
}

export class SseParser {
  #buffer = ''
  #afterCR = false
  #bomChecked = false
  #data = ''
  #hasData = false
  #type = ''
  #lastEventId = ''
  /** Reconnection delay the server asked for (`retry:`), if any. */
  retryMs: number | undefined

  /** Feeds decoded text; returns the events completed by it. */
  push(text: string): SseEvent[] {
    if (!this.#bomChecked && text.length > 0) {
      this.#bomChecked = true
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1)
    }
    const out: SseEvent[] = []
    let start = 0
    // A CR ending the previous chunk already ended its line: skip the LF that completes CRLF.
    if (this.#afterCR && text.startsWith('\n')) start = 1
    this.#afterCR = false
    for (let i = start; i < text.length; i++) {
      const c = text.charCodeAt(i)
      if (c !== 0x0a && c !== 0x0d) continue
      this.#line(this.#buffer + text.slice(start, i), out)
      this.#buffer = ''
      if (c === 0x0d) {
        if (i + 1 < text.length) {
          if (text.charCodeAt(i + 1) === 0x0a) i++
        } else {
          this.#afterCR = true
        }
      }
      start = i + 1
    }
    this.#buffer += text.slice(start)
    return out
  }

  #line(line: string, out: SseEvent[]): void {
    if (line === '') {
      if (this.#hasData) {
        out.push({
          type: this.#type === '' ? 'message' : this.#type,
          data: this.#data.endsWith('\n') ? this.#data.slice(0, -1) : this.#data,
          lastEventId: this.#lastEventId,
        })
      }
      this.#data = ''
      this.#hasData = false
      this.#type = ''
      return
    }
    if (line.startsWith(':')) return
    const colon = line.indexOf(':')
    const field = colon === -1 ? line : line.slice(0, colon)
    let value = colon === -1 ? '' : line.slice(colon + 1)
    if (value.startsWith(' ')) value = value.slice(1)
    switch (field) {
      case 'event':
        this.#type = value
        break
      case 'data':
        this.#data += value + '\n'
        this.#hasData = true
        break
      case 'id':
        if (!value.includes('\0')) this.#lastEventId = value
        break
      case 'retry':
        if (/^[0-9]+$/.test(value)) this.retryMs = Number(value)
        break
      default:
        break
    }
  }
}

/**
 * The events of a `text/event-stream` body, until it ends or `signal` aborts (both end the
 * iteration quietly); a broken connection throws the fetch error.
 */
export async function* readEventStream(
  body: ReadableStream<Uint8Array>,
  signal?: AbortSignal,
): AsyncGenerator<SseEvent> {
  const parser = new SseParser()
  const decoder = new TextDecoder('utf-8')
  const reader = body.getReader()
  const onAbort = () => void reader.cancel().catch(() => {})
  signal?.addEventListener('abort', onAbort, { once: true })
  try {
    for (;;) {
      let chunk: ReadableStreamReadResult<Uint8Array>
      try {
        chunk = await reader.read()
      } catch (e) {
        // Aborting the request errors the body: that is the end the caller asked for.
        if (signal?.aborted) return
        throw e
      }
      if (chunk.done) break
      yield* parser.push(decoder.decode(chunk.value, { stream: true }))
    }
    yield* parser.push(decoder.decode())
  } finally {
    signal?.removeEventListener('abort', onAbort)
    reader.releaseLock()
    if (signal?.aborted !== true) await body.cancel().catch(() => {})
  }
}
