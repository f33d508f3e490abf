/** The SSE reader: WHATWG event-stream parsing, table-driven, and chunking-invariance by property. */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { readEventStream, SseParser, type SseEvent } from '../../src/client/sse.js'

const ev = (type: string, data: string, lastEventId = ''): SseEvent => ({ type, data, lastEventId })

describe('SseParser', () => {
  it.each<[string, string, SseEvent[]]>([
    ['one event', 'event: tx\ndata: {"a":1}\n\n', [ev('tx', '{"a":1}')]],
    ['default type', 'data: x\n\n', [ev('message', 'x')]],
    ['multi-line data joined with LF', 'data: a\ndata: b\n\n', [ev('message', 'a\nb')]],
    ['CRLF line ends', 'event: block\r\ndata: 1\r\n\r\n', [ev('block', '1')]],
    ['CR line ends', 'event: block\rdata: 1\r\r', [ev('block', '1')]],
    ['comment ignored', ': keepalive\n\ndata: x\n\n', [ev('message', 'x')]],
    ['no space after colon', 'data:x\n\n', [ev('message', 'x')]],
    ['only one leading space dropped', 'data:  x\n\n', [ev('message', ' x')]],
    ['field without colon', 'data\n\n', [ev('message', '')]],
    ['no data: no event', 'event: tx\n\n', []],
    [
      'event type reset after dispatch',
      'event: tx\ndata: 1\n\ndata: 2\n\n',
      [ev('tx', '1'), ev('message', '2')],
    ],
    [
      'id kept across events',
      'id: 7\ndata: 1\n\ndata: 2\n\n',
      [ev('message', '1', '7'), ev('message', '2', '7')],
    ],
    ['id with NUL ignored', 'id: 1\0\ndata: 1\n\n', [ev('message', '1')]],
    ['unknown field ignored', 'foo: bar\ndata: 1\n\n', [ev('message', '1')]],
    ['leading BOM stripped', '\ufeffdata: 1\n\n', [ev('message', '1')]],
    ['unfinished event discarded', 'data: 1\n\ndata: 2\n', [ev('message', '1')]],
    ['colon inside value kept', 'data: {"a":"b:c"}\n\n', [ev('message', '{"a":"b:c"}')]],
  ])('%s', (_what, text, expected) => {
    expect(new SseParser().push(text)).toEqual(expected)
  })

  it('takes retry only as ASCII digits', () => {
    const p = new SseParser()
    p.push('retry: 1500\n\nretry: 2x\n\n')
    expect(p.retryMs).toBe(1500)
  })

  it('parses the same events however the stream is cut into chunks (CR LF split included)', () => {
    const stream =
      ': hello\r\n\r\nid: 1\r\nevent: tx\r\ndata: {"hash":"ab"}\r\n\r\nevent: block\rdata: a\rdata: b\r\r' +
      'data: x\n\n'
    const whole = new SseParser().push(stream)
    expect(whole).toHaveLength(3)
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 1, max: stream.length - 1 }), { maxLength: 12 }),
        (cuts) => {
          const p = new SseParser()
          const points = [0, ...[...cuts].sort((a, b) => a - b), stream.length]
          const out: SseEvent[] = []
          for (let i = 0; i + 1 < points.length; i++)
            out.push(...p.push(stream.slice(points[i], points[i + 1])))
          expect(out).toEqual(whole)
        },
      ),
    )
  })
})

describe('readEventStream', () => {
  it('decodes UTF-8 split across chunks and stops at the end of the body', async () => {
    const bytes = new TextEncoder().encode('data: café ✓\n\ndata: 2\n\n')
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        for (let i = 0; i < bytes.length; i += 3) c.enqueue(bytes.slice(i, i + 3))
        c.close()
      },
    })
    const out: SseEvent[] = []
    for await (const e of readEventStream(body)) out.push(e)
    expect(out).toEqual([ev('message', 'café ✓'), ev('message', '2')])
  })

  it('ends when the signal aborts', async () => {
    const controller = new AbortController()
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(new TextEncoder().encode('data: 1\n\n'))
      },
    })
    const out: string[] = []
    for await (const e of readEventStream(body, controller.signal)) {
      out.push(e.data)
      controller.abort()
    }
    expect(out).toEqual(['1'])
  })
})
