/**
 * `GovchainClient`: one member node's HTTP API for scripts and the CLI — build and sign typed
 * transactions, submit them, wait for their commit through the node's event stream (never by
 * polling), read transactions, blocks, records and proofs.
 *
 *   const client = new GovchainClient('http://127.0.0.1:26650')
 *   const done = await client.sendTx({ key, ...buildLicenceApprove({ recordId: 'LIC-1' }) })
 *   const answer = await client.getRecord('LIC-1', { prove: true })
 *   const verified = verifyRecordProof(answer, genesisJson)   // offline, see proofs.ts
 *
 * Waiting for a commit: the client subscribes to `GET /v1/events?types=tx&tx=<hash>` BEFORE it
 * submits (the hash is known once the transaction is signed), and, when waiting for a
 * transaction submitted elsewhere, reads its status once after subscribing — so a commit that
 * happens between the two is never missed. If the stream drops, it re-subscribes and re-reads.
 * Only connection setup is retried (refused / unreachable, with backoff); answers of the node
 * are final.
 */
import { toBase64, toHex, type KeyPair, type Transaction } from '@govchain/ledger'
import { buildTx, signTx, type PayloadInput, type TxDraft } from '../builders.js'
import type { TxPayloads } from '../payloads/index.js'
import { isTxType, type TxType } from '../tx-types.js'
import { ClientError, ClientErrorCode, isClientError } from './errors.js'
import { readEventStream, type SseEvent } from './sse.js'
import type {
  AccountNonce,
  BlockEvent,
  BlockJson,
  CommittedTx,
  NodeStatus,
  QueryResponse,
  RecordResponse,
  TxEvent,
  TxStatus,
} from './types.js'

export type GovchainClientOptions = {
  /** Per-request timeout (not the commit wait); default 15 s. */
  readonly requestTimeoutMs?: number
  /** Connection attempts before `CLIENT_NETWORK` (refused / unreachable only); default 6. */
  readonly connectAttempts?: number
  /** First backoff delay, doubled per attempt up to 2 s; default 100 ms. */
  readonly connectBackoffMs?: number
  /** Default for `waitForCommit` / `sendTx` waits; default 60 s. */
  readonly commitTimeoutMs?: number
  /** The fetch to use; default the global one. */
  readonly fetch?: typeof fetch
}

/** A transaction to send: a typed payload (`type` + object), or a builder's draft (encoded payload). */
export type SendTxInput = {
  readonly key: KeyPair
  /** Default: the sender's next nonce as the node reports it (counting its queued transactions). */
  readonly nonce?: number
  /** Last height the transaction may be included at; default none. */
  readonly expiryHeight?: number | null
} & (TxDraft | { [T in TxType]: { readonly type: T; readonly payload: PayloadInput<TxPayloads[T]> } }[TxType])

export type SentTx = CommittedTx & { readonly tx: Transaction }
export type SubmittedTx = { readonly hash: string; readonly status: 'submitted'; readonly tx: Transaction }
export type SendTxOptions = { readonly wait?: boolean; readonly timeoutMs?: number }

const CONNECT_ERRORS = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ENOTFOUND'])

function isConnectFailure(e: unknown): boolean {
  const cause = (e as { cause?: { code?: string } } | null)?.cause
  return typeof cause?.code === 'string' && CONNECT_ERRORS.has(cause.code)
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms))
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v)
}

const HASH_RE = /^[0-9a-f]{64}$/

function checkHash(hash: string): void {
  if (typeof hash !== 'string' || !HASH_RE.test(hash))
    throw new ClientError(ClientErrorCode.BAD_INPUT, 'a transaction hash is 64 lowercase hex characters')
}

export class GovchainClient {
  readonly baseUrl: string
  readonly #opts: Required<Omit<GovchainClientOptions, 'fetch'>>
  readonly #fetch: typeof fetch
  #chainId: string | undefined
  /** Per sender: the tail of its nonce-fetch → sign → submit chain (sends from one key in order). */
  readonly #senderLocks = new Map<string, Promise<unknown>>()

  constructor(baseUrl: string | URL, opts: GovchainClientOptions = {}) {
    let url: URL
    try {
      url = new URL(String(baseUrl))
    } catch {
      throw new ClientError(ClientErrorCode.BAD_INPUT, `not a URL: ${String(baseUrl).slice(0, 200)}`)
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      throw new ClientError(ClientErrorCode.BAD_INPUT, `node URL must be http(s): ${url.href}`)
    this.baseUrl = url.href.replace(/\/+$/, '')
    this.#fetch = opts.fetch ?? globalThis.fetch
    this.#opts = {
      requestTimeoutMs: opts.requestTimeoutMs ?? 15_000,
      connectAttempts: opts.connectAttempts ?? 6,
      connectBackoffMs: opts.connectBackoffMs ?? 100,
      commitTimeoutMs: opts.commitTimeoutMs ?? 60_000,
    }
  }

  // ---- plain reads ----

  async status(): Promise<NodeStatus> {
    return this.#json('GET', '/v1/status')
  }

  /** The chain id (read once from the node's status). */
  async chainId(): Promise<string> {
    this.#chainId ??= (await this.status()).chainId
    return this.#chainId
  }

  /** A transaction's status; `API_NOT_FOUND` (404) if the node does not know it. */
  async getTx(hash: string): Promise<TxStatus> {
    checkHash(hash)
    return this.#json('GET', `/v1/txs/${hash}`)
  }

  async getBlock(height: number | 'latest' = 'latest'): Promise<BlockJson> {
    if (height !== 'latest' && (!Number.isSafeInteger(height) || height < 1))
      throw new ClientError(ClientErrorCode.BAD_INPUT, 'block height must be a positive integer')
    return this.#json('GET', `/v1/blocks/${height}`)
  }

  /** The sender's next nonces (committed, and counting its transactions queued at this node). */
  async getAccountNonce(publicKey: Uint8Array | string): Promise<AccountNonce> {
    const hex = typeof publicKey === 'string' ? publicKey : toHex(publicKey)
    if (!HASH_RE.test(hex))
      throw new ClientError(ClientErrorCode.BAD_INPUT, 'a public key is 32 bytes (64 lowercase hex)')
    return this.#json('GET', `/v1/accounts/${hex}`)
  }

  /** A record with its history page; with `prove`, the proof that `verifyRecordProof` checks offline. */
  async getRecord(id: string, opts: { prove?: boolean } = {}): Promise<RecordResponse> {
    return this.#json('GET', `/v1/records/${encodeURIComponent(id)}${opts.prove ? '?prove=true' : ''}`)
  }

  /** Any application query (`record`, `member`, `members`, `account`, `proposal`, `invoice`, …). */
  query<V = unknown>(
    path: string,
    params: Readonly<Record<string, string>> = {},
    opts: { prove?: boolean } = {},
  ): Promise<QueryResponse<V>> {
    const q = new URLSearchParams(params)
    if (opts.prove) q.set('prove', 'true')
    const qs = q.toString()
    return this.#json('GET', `/v1/query/${encodeURIComponent(path)}${qs === '' ? '' : `?${qs}`}`)
  }

  // ---- transactions ----

  /** Submits a signed transaction (202): `{ hash }`. Refusals are ClientErrors with the node's code. */
  async submit(tx: Transaction): Promise<{ hash: string }> {
    const body = await this.#json<{ hash: string }>('POST', '/v1/txs', { tx: toBase64(tx.serialize()) })
    if (body.hash !== tx.hashHex())
      throw new ClientError(ClientErrorCode.BAD_RESPONSE, 'node answered another transaction hash')
    return body
  }

  /**
   * Submits up to 256 signed transactions in one request (`POST /v1/txs/batch`), admitted in
   * order: for each, `{ hash }` or the `ClientError` a single `submit` would have thrown. A
   * refusal of the whole request (malformed, too large, node starting) throws.
   */
  async submitBatch(txs: readonly Transaction[]): Promise<BatchSubmitResult[]> {
    if (txs.length === 0 || txs.length > MAX_BATCH_TXS)
      throw new ClientError(ClientErrorCode.BAD_INPUT, `a batch holds 1–${MAX_BATCH_TXS} transactions`)
    const body = await this.#json<{ results?: unknown }>('POST', '/v1/txs/batch', {
      txs: txs.map((tx) => toBase64(tx.serialize())),
    })
    const results = body.results
    if (!Array.isArray(results) || results.length !== txs.length)
      throw new ClientError(ClientErrorCode.BAD_RESPONSE, 'node answered a batch of another length')
    return results.map((r: unknown, i) => batchResult(r, txs[i]!))
  }

  /** Signs a draft with the sender's next nonce (from the node unless given). */
  async sign(input: SendTxInput): Promise<Transaction> {
    const draft = toDraft(input)
    const nonce = input.nonce ?? (await this.getAccountNonce(input.key.publicKey)).pendingNonce
    return signTx(draft, {
      chainId: await this.chainId(),
      keyPair: input.key,
      nonce,
      expiryHeight: input.expiryHeight ?? null,
    })
  }

  /**
   * Builds, signs, submits and (by default) waits for the commit. Resolves with the committed
   * transaction (height, index, receipt); rejects with a ClientError whose code is the node's —
   * at submission (400/403/409/…) or when the chain drops it (e.g. `APP_ALREADY_FINANCED` after
   * another bank's financing went first) — or `CLIENT_TIMEOUT`.
   */
  sendTx(input: SendTxInput, opts?: SendTxOptions & { readonly wait?: true }): Promise<SentTx>
  sendTx(input: SendTxInput, opts: SendTxOptions & { readonly wait: false }): Promise<SubmittedTx>
  sendTx(input: SendTxInput, opts?: SendTxOptions): Promise<SentTx | SubmittedTx>
  async sendTx(input: SendTxInput, opts: SendTxOptions = {}): Promise<SentTx | SubmittedTx> {
    const draft = toDraft(input)
    const wait = opts.wait ?? true
    const sender = toHex(input.key.publicKey)
    // Nonce lookup, signing and submission of one sender run one at a time.
    const previous = this.#senderLocks.get(sender) ?? Promise.resolve()
    let release!: () => void
    const mine = new Promise<void>((r) => (release = r))
    const tail = previous.then(() => mine)
    this.#senderLocks.set(sender, tail)
    let watch: TxWatch | undefined
    let tx: Transaction
    try {
      await previous
      tx = await this.sign({ ...input, type: draft.type, payload: draft.payload } as SendTxInput)
      if (wait) watch = await this.#watchTx(tx.hashHex(), opts.timeoutMs ?? this.#opts.commitTimeoutMs)
      await this.submit(tx)
    } catch (e) {
      watch?.close()
      throw e
    } finally {
      release()
      if (this.#senderLocks.get(sender) === tail) this.#senderLocks.delete(sender)
    }
    if (watch === undefined) return { hash: tx.hashHex(), status: 'submitted', tx }
    const committed = await watch.outcome
    return { ...committed, tx }
  }

  /**
   * Waits (through events) until the transaction is committed or rejected. Subscribes first,
   * then reads the status once, so an earlier commit is seen too.
   */
  async waitForCommit(hash: string, opts: { timeoutMs?: number } = {}): Promise<CommittedTx> {
    checkHash(hash)
    const watch = await this.#watchTx(hash, opts.timeoutMs ?? this.#opts.commitTimeoutMs, {
      checkStatus: true,
    })
    return watch.outcome
  }

  /**
   * The node's event stream (`block` and `tx` events, parsed), until `signal` aborts or the
   * stream ends. `tx` limits tx events to one transaction.
   */
  async *events(
    opts: { types?: readonly ('block' | 'tx')[]; tx?: string; signal?: AbortSignal } = {},
  ): AsyncGenerator<{ type: 'block'; data: BlockEvent } | { type: 'tx'; data: TxEvent }> {
    if (opts.tx !== undefined) checkHash(opts.tx)
    const body = await this.#openEvents(opts.types ?? ['block', 'tx'], opts.tx, opts.signal)
    try {
      for await (const ev of readEventStream(body, opts.signal)) {
        const parsed = parseEvent(ev)
        if (parsed !== undefined) yield parsed
      }
    } catch (e) {
      throw isClientError(e) ? e : streamBroken(e)
    }
  }

  // ---- internals ----

  async #openEvents(
    types: readonly string[],
    tx: string | undefined,
    signal: AbortSignal | undefined,
  ): Promise<ReadableStream<Uint8Array>> {
    const q = new URLSearchParams({ types: types.join(',') })
    if (tx !== undefined) q.set('tx', tx)
    const res = await this.#fetchWithRetry(`${this.baseUrl}/v1/events?${q}`, {
      headers: { accept: 'text/event-stream' },
      ...(signal === undefined ? {} : { signal }),
    })
    if (!res.ok) throw await errorOf(res)
    if (res.body === null || !(res.headers.get('content-type') ?? '').startsWith('text/event-stream')) {
      await res.body?.cancel().catch(() => {})
      throw new ClientError(ClientErrorCode.BAD_RESPONSE, 'the node did not answer with an event stream')
    }
    return res.body
  }

  /**
   * Subscribes to the transaction's events; resolves once subscribed. `outcome` settles with the
   * commit, a rejection (ClientError with the node's code), or CLIENT_TIMEOUT.
   */
  async #watchTx(hash: string, timeoutMs: number, opts: { checkStatus?: boolean } = {}): Promise<TxWatch> {
    const controller = new AbortController()
    let timedOut = false
    const timer = setTimeout(() => {
      timedOut = true
      controller.abort()
    }, timeoutMs)
    const close = () => {
      clearTimeout(timer)
      controller.abort()
    }
    const timeoutError = () =>
      new ClientError(ClientErrorCode.TIMEOUT, `transaction ${hash} not committed within ${timeoutMs} ms`, {
        details: { txHash: hash },
      })
    let body: ReadableStream<Uint8Array>
    try {
      body = await this.#openEvents(['tx'], hash, controller.signal)
    } catch (e) {
      close()
      throw timedOut ? timeoutError() : e
    }
    const outcome = (async (): Promise<CommittedTx> => {
      let checkStatus = opts.checkStatus ?? false
      try {
        for (let attempt = 0; ; attempt++) {
          if (checkStatus) {
            const known = await this.#statusIfKnown(hash)
            if (known !== undefined && known.status !== 'pending') return await this.#final(known)
          }
          try {
            for await (const ev of readEventStream(body, controller.signal)) {
              const parsed = parseEvent(ev)
              if (parsed?.type !== 'tx' || parsed.data.hash !== hash) continue
              if (parsed.data.status === 'pending') continue
              return await this.#final(parsed.data)
            }
          } catch (e) {
            // A connection that breaks is re-established below; coded errors are final.
            if (isClientError(e)) throw e
          }
          if (controller.signal.aborted) break
          // The stream ended (node restarting?): re-subscribe, then re-read the status.
          if (attempt >= 5)
            throw new ClientError(ClientErrorCode.STREAM_CLOSED, `event stream for ${hash} kept closing`)
          await sleep(Math.min(2000, this.#opts.connectBackoffMs * 2 ** attempt))
          body = await this.#openEvents(['tx'], hash, controller.signal)
          checkStatus = true
        }
        throw timeoutError()
      } catch (e) {
        if (timedOut) throw timeoutError()
        throw e
      } finally {
        close()
      }
    })()
    // The caller may not await `outcome` if submission fails; keep that from being unhandled.
    outcome.catch(() => {})
    return { outcome, close }
  }

  async #statusIfKnown(hash: string): Promise<TxStatus | undefined> {
    try {
      return await this.getTx(hash)
    } catch (e) {
      if (isClientError(e) && e.httpStatus === 404) return undefined
      throw e
    }
  }

  /** A final status → the committed transaction (with its receipt) or a ClientError. */
  async #final(s: TxStatus | TxEvent): Promise<CommittedTx> {
    if (s.status === 'rejected') {
      const error = s.error ?? { code: ClientErrorCode.BAD_RESPONSE, message: 'rejected without a code' }
      throw new ClientError(error.code, `transaction ${s.hash} rejected: ${error.message}`, {
        nodeError: error,
        details: { txHash: s.hash },
      })
    }
    if (typeof s.height !== 'number' || typeof s.index !== 'number')
      throw new ClientError(ClientErrorCode.BAD_RESPONSE, 'committed transaction without height / index')
    const receipt = 'receipt' in s ? s.receipt : (await this.#statusIfKnown(s.hash))?.receipt
    return {
      hash: s.hash,
      status: 'committed',
      height: s.height,
      index: s.index,
      ...(receipt === undefined ? {} : { receipt }),
    }
  }

  async #fetchWithRetry(url: string, init: RequestInit): Promise<Response> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#fetch(url, init)
      } catch (e) {
        if (init.signal?.aborted) {
          throw new ClientError(ClientErrorCode.TIMEOUT, `request to ${url} timed out or was aborted`)
        }
        if (!isConnectFailure(e) || attempt >= this.#opts.connectAttempts) {
          const cause = (e as { cause?: { message?: string } }).cause?.message ?? (e as Error).message
          throw new ClientError(ClientErrorCode.NETWORK, `cannot reach ${this.baseUrl}: ${cause}`, {
            details: { attempts: attempt },
          })
        }
        await sleep(Math.min(2000, this.#opts.connectBackoffMs * 2 ** (attempt - 1)))
      }
    }
  }

  async #json<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    const res = await this.#fetchWithRetry(`${this.baseUrl}${path}`, {
      method,
      headers: body === undefined ? { accept: 'application/json' } : { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(this.#opts.requestTimeoutMs),
    })
    if (!res.ok) throw await errorOf(res)
    let parsed: unknown
    try {
      parsed = await res.json()
    } catch {
      throw new ClientError(ClientErrorCode.BAD_RESPONSE, `${method} ${path}: the answer is not JSON`, {
        httpStatus: res.status,
      })
    }
    if (!isObject(parsed))
      throw new ClientError(ClientErrorCode.BAD_RESPONSE, `${method} ${path}: expected a JSON object`, {
        httpStatus: res.status,
      })
    return parsed as T
  }
}

type TxWatch = { readonly outcome: Promise<CommittedTx>; close(): void }

function toDraft(input: SendTxInput): TxDraft {
  if (!isTxType(input.type))
    throw new ClientError(
      ClientErrorCode.BAD_INPUT,
      `unknown transaction type ${String(input.type).slice(0, 64)}`,
    )
  if (input.payload instanceof Uint8Array) return { type: input.type, payload: input.payload }
  return buildTx(input.type, input.payload as never)
}

function streamBroken(e: unknown): ClientError {
  const cause = (e as { cause?: { message?: string } }).cause?.message ?? (e as Error)?.message
  return new ClientError(ClientErrorCode.STREAM_CLOSED, `event stream broke: ${String(cause)}`)
}

function parseEvent(
  ev: SseEvent,
): { type: 'block'; data: BlockEvent } | { type: 'tx'; data: TxEvent } | undefined {
  if (ev.type !== 'block' && ev.type !== 'tx') return undefined
  let data: unknown
  try {
    data = JSON.parse(ev.data)
  } catch {
    throw new ClientError(ClientErrorCode.BAD_RESPONSE, `event ${ev.type} is not JSON`)
  }
  if (!isObject(data) || typeof data.hash !== 'string')
    throw new ClientError(ClientErrorCode.BAD_RESPONSE, `event ${ev.type} lacks a hash`)
  return ev.type === 'block'
    ? { type: 'block', data: data as unknown as BlockEvent }
    : { type: 'tx', data: data as unknown as TxEvent }
}

/** Most transactions in one `submitBatch` (the node's limit). */
export const MAX_BATCH_TXS = 256

export type BatchSubmitResult =
  { readonly hash: string } | { readonly hash: string; readonly error: ClientError }

function batchResult(r: unknown, tx: Transaction): BatchSubmitResult {
  const hash = tx.hashHex()
  if (!isObject(r) || typeof r.status !== 'number')
    throw new ClientError(ClientErrorCode.BAD_RESPONSE, 'a batch entry without a status')
  if (r.status === 202) {
    if (r.hash !== hash)
      throw new ClientError(ClientErrorCode.BAD_RESPONSE, 'node answered another transaction hash')
    return { hash }
  }
  const error = nodeErrorOf(r.error, r.status)
  if (error === undefined)
    throw new ClientError(ClientErrorCode.BAD_RESPONSE, 'a refused batch entry without a coded error')
  return { hash, error }
}

/** The node's `{ code, message, details? }` as a ClientError; undefined if it is not one. */
function nodeErrorOf(error: unknown, httpStatus: number): ClientError | undefined {
  if (!isObject(error) || typeof error.code !== 'string' || typeof error.message !== 'string')
    return undefined
  return new ClientError(error.code, error.message, {
    httpStatus,
    nodeError: { code: error.code, message: error.message },
    ...(isObject(error.details) ? { details: error.details } : {}),
  })
}

/** A non-2xx answer → ClientError with the node's code (or CLIENT_HTTP without one). */
async function errorOf(res: Response): Promise<ClientError> {
  let body: unknown
  try {
    body = await res.json()
  } catch {
    body = undefined
  }
  const coded = isObject(body) ? nodeErrorOf(body.error, res.status) : undefined
  if (coded !== undefined) return coded
  return new ClientError(ClientErrorCode.HTTP, `node answered HTTP ${res.status} without a coded error`, {
    httpStatus: res.status,
  })
}
