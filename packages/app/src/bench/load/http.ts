/**
 * Plain node:http with keep-alive for the load's hot path (POST /v1/txs, /v1/txs/batch) and its reads: fewer
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

  /** POSTs a pre-encoded `{"tx":…}` body to /v1/txs; never throws. */
  async postTx(body: Buffer, timeoutMs = 30_000): Promise<PostAnswer> {
    const { status, text } = await this.#request('POST', '/v1/txs', timeoutMs, body)
    if (status === 202) return { status, code: null }
    return { status, code: errorCodeOf(status, text) }
  }

  /**
   * POSTs `{"txs":[…]}` of `count` transactions to /v1/txs/batch; never throws. The code of each
   * entry (null: admitted), or, when the request as a whole failed, that failure's code for all.
   */
  async postBatch(body: Buffer, count: number, timeoutMs = 30_000): Promise<(string | null)[]> {
    const { status, text } = await this.#request('POST', '/v1/txs/batch', timeoutMs, body)
    if (status === 200) {
      const results = parseJson<{ results?: unknown }>(text)?.results
      if (Array.isArray(results) && results.length === count)
        return results.map((r: { status?: unknown; error?: { code?: unknown } } | null) =>
          r?.status === 202 ? null : typeof r?.error?.code === 'string' ? r.error.code : 'BAD_ANSWER',
        )
    }
    return new Array<string | null>(count).fill(errorCodeOf(status, text))
  }

  /** GET returning parsed JSON and the status (null body when not JSON / no answer). */
  async getJson<T = unknown>(path: string, timeoutMs = 15_000): Promise<{ status: number; body: T | null }> {
    const { status, text } = await this.getText(path, timeoutMs)
    return { status, body: parseJson<T>(text) }
  }

  getText(path: string, timeoutMs = 15_000): Promise<{ status: number; text: string }> {
    return this.#request('GET', path, timeoutMs)
  }

  /** One request; status 0 and no text when no answer came (refused, reset, timed out). */
  #request(
    method: 'GET' | 'POST',
    path: string,
    timeoutMs: number,
    body?: Buffer,
  ): Promise<{ status: number; text: string }> {
    return new Promise((resolve) => {
      const req = request(
        {
          host: this.#url.hostname,
          port: this.#url.port,
          path,
          method,
          agent: this.#agent,
          timeout: timeoutMs,
          ...(body === undefined
            ? {}
            : { headers: { 'content-type': 'application/json', 'content-length': body.length } }),
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
      req.end(body)
    })
  }

  close(): void {
    this.#agent.destroy()
  }
}

function parseJson<T>(text: string): T | null {
  try {
    return JSON.parse(text) as T
  } catch {
    return null
  }
}

/** The node's error code in an answer; `HTTP_<status>` without one; `NETWORK` without an answer. */
function errorCodeOf(status: number, text: string): string {
  if (status === 0) return 'NETWORK'
  const code = parseJson<{ error?: { code?: unknown } }>(text)?.error?.code
  return typeof code === 'string' ? code : `HTTP_${status}`
}
