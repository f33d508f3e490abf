/**
 * Plain node:http with keep-alive for the load's hot path (POST /v1/txs) and its reads: fewer
 * allocations than fetch per request, so the generator takes less of the CPU it shares with
 * the nodes.
 */
import { Agent, request } from 'node:http'

export type PostAnswer = {
  readonly status: number
  /** The node's error code for a refusal; `NETWORK` when no answer came. */
  readonly code: string | null
}

export class NodeHttp {
  readonly #url: URL
  readonly #agent: Agent

  constructor(baseUrl: string, maxSockets = 32) {
    this.#url = new URL(baseUrl)
    this.#agent = new Agent({ keepAlive: true, maxSockets })
  }

  /** POSTs a pre-encoded JSON body; never throws. */
  postTx(body: Buffer, timeoutMs = 30_000): Promise<PostAnswer> {
    return new Promise((resolve) => {
      const req = request(
        {
          host: this.#url.hostname,
          port: this.#url.port,
          path: '/v1/txs',
          method: 'POST',
          agent: this.#agent,
          headers: { 'content-type': 'application/json', 'content-length': body.length },
          timeout: timeoutMs,
        },
        (res) => {
          const status = res.statusCode ?? 0
          const chunks: Buffer[] = []
          res.on('data', (c: Buffer) => chunks.push(c))
          res.on('end', () => {
            if (status === 202) return resolve({ status, code: null })
            let code = `HTTP_${status}`
            try {
              const j = JSON.parse(Buffer.concat(chunks).toString()) as { error?: { code?: unknown } }
              if (typeof j.error?.code === 'string') code = j.error.code
            } catch {
              // not JSON: keep the status
            }
            resolve({ status, code })
          })
          res.on('error', () => resolve({ status: 0, code: 'NETWORK' }))
        },
      )
      req.on('timeout', () => req.destroy(new Error('timeout')))
      req.on('error', () => resolve({ status: 0, code: 'NETWORK' }))
      req.end(body)
    })
  }

  /**
   * POSTs `{"txs":[…]}` of `count` transactions to /v1/txs/batch; never throws. The code of each
   * entry (null: admitted), or, when the request as a whole failed, that failure's code for all.
   */
  postBatch(body: Buffer, count: number, timeoutMs = 30_000): Promise<(string | null)[]> {
    return new Promise((resolve) => {
      const all = (code: string) => resolve(new Array<string | null>(count).fill(code))
      const req = request(
        {
          host: this.#url.hostname,
          port: this.#url.port,
          path: '/v1/txs/batch',
          method: 'POST',
          agent: this.#agent,
          headers: { 'content-type': 'application/json', 'content-length': body.length },
          timeout: timeoutMs,
        },
        (res) => {
          const status = res.statusCode ?? 0
          const chunks: Buffer[] = []
          res.on('data', (c: Buffer) => chunks.push(c))
          res.on('end', () => {
            let parsed: { results?: unknown; error?: { code?: unknown } } | undefined
            try {
              parsed = JSON.parse(Buffer.concat(chunks).toString()) as typeof parsed
            } catch {
              parsed = undefined
            }
            const results = parsed?.results
            if (status === 200 && Array.isArray(results) && results.length === count) {
              return resolve(
                results.map((r: { status?: unknown; error?: { code?: unknown } }) =>
                  r?.status === 202 ? null : typeof r?.error?.code === 'string' ? r.error.code : 'BAD_ANSWER',
                ),
              )
            }
            const code = parsed?.error?.code
            all(typeof code === 'string' ? code : `HTTP_${status}`)
          })
          res.on('error', () => all('NETWORK'))
        },
      )
      req.on('timeout', () => req.destroy(new Error('timeout')))
      req.on('error', () => all('NETWORK'))
      req.end(body)
    })
  }

  /** GET returning parsed JSON and the status (null body when not JSON / no answer). */
  getJson<T = unknown>(path: string, timeoutMs = 15_000): Promise<{ status: number; body: T | null }> {
    return this.getText(path, timeoutMs).then(({ status, text }) => {
      try {
        return { status, body: JSON.parse(text) as T }
      } catch {
        return { status, body: null }
      }
    })
  }

  getText(path: string, timeoutMs = 15_000): Promise<{ status: number; text: string }> {
    return new Promise((resolve) => {
      const req = request(
        {
          host: this.#url.hostname,
          port: this.#url.port,
          path,
          method: 'GET',
          agent: this.#agent,
          timeout: timeoutMs,
        },
        (res) => {
          const chunks: Buffer[] = []
          res.on('data', (c: Buffer) => chunks.push(c))
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }),
          )
          res.on('error', () => resolve({ status: 0, text: '' }))
        },
      )
      req.on('timeout', () => req.destroy(new Error('timeout')))
      req.on('error', () => resolve({ status: 0, text: '' }))
      req.end()
    })
  }

  close(): void {
    this.#agent.destroy()
  }
}
