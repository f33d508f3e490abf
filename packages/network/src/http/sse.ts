/**
 * Server-Sent Events on `GET /v1/events`: `block` and `tx` events as JSON, a comment every 15 s
 * to keep proxies from closing the stream. `?tx=<hash>` limits `tx` events to one transaction
 * (what a client waiting for its commit needs); `?types=block` or `?types=tx` picks kinds;
 * `?status=rejected` (any of pending, committed, rejected) limits `tx` events to those statuses
 * (a load generator that learns commits from `block` events needs only the rejections).
 */
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { BlockEvent, NodeEvents, TxEvent } from '../events.js'

const KEEPALIVE_MS = 15_000
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024

export function serveEvents(
  req: FastifyRequest,
  reply: FastifyReply,
  events: NodeEvents,
  filter: { types: ReadonlySet<string>; tx: string | null; status?: ReadonlySet<string> | null },
): void {
  reply.hijack()
  const res = reply.raw
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  })
  res.write(': govchain events\n\n')
  let id = 0
  const send = (event: string, data: unknown) => {
    // A client that does not read is dropped rather than buffered without limit.
    if (res.writableLength > MAX_BUFFERED_BYTES) {
      cleanup()
      res.destroy()
      return
    }
    res.write(`id: ${++id}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`)
  }
  const onBlock = (b: BlockEvent) => {
    if (filter.types.has('block')) send('block', b)
  }
  const onTx = (t: TxEvent) => {
    if (
      filter.types.has('tx') &&
      (filter.tx === null || filter.tx === t.hash) &&
      (filter.status == null || filter.status.has(t.status))
    )
      send('tx', t)
  }
  events.on('block', onBlock)
  events.on('tx', onTx)
  const keepalive = setInterval(() => res.write(': keepalive\n\n'), KEEPALIVE_MS)
  keepalive.unref()
  const cleanup = () => {
    clearInterval(keepalive)
    events.off('block', onBlock)
    events.off('tx', onTx)
  }
  req.raw.on('close', cleanup)
  res.on('close', cleanup)
}
