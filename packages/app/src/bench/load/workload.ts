/**
 * The load's transactions: senders registered at setup through the demo admins (many distinct
 * keys, each with its own nonce pipeline), and a factory that pre-signs independent
 * transactions — certificates issued, licence applications filed, invoices registered, each on
 * a fresh record id — so that every one is valid whenever it executes, in any interleaving of
 * senders and nodes.
 */
import { randomBytes } from 'node:crypto'
import { generateKeyPair, toBase64, toHex, type KeyPair, type Transaction } from '@govchain/ledger'
import {
  buildAccountRegister,
  buildCertificateIssue,
  buildInvoiceRegister,
  buildLicenceApply,
  signTx,
  type TxDraft,
} from '../../builders.js'
import { commitField, randomSalt } from '../../commitments.js'
import type { LocalNetwork } from '../../client/index.js'
import type { AccountRole } from '../../permissions.js'
import { LoadBenchError, LoadBenchErrorCode } from './options.js'

type SenderKind = 'certificate' | 'licence' | 'invoice'

/** Who registers senders, what role they get, and what they send. */
const SENDER_ORGS: readonly {
  org: string
  admin: string
  role: AccountRole
  kind: SenderKind
  kinds: readonly string[]
}[] = [
  {
    org: 'civil-registry',
    admin: 'registry-admin',
    role: 'certificate-officer',
    kind: 'certificate',
    kinds: ['residence', 'birth', 'marital-status'],
  },
  {
    org: 'social-security',
    admin: 'socsec-admin',
    role: 'certificate-officer',
    kind: 'certificate',
    kinds: ['contribution-record', 'benefit-entitlement'],
  },
  {
    org: 'city-licensing',
    admin: 'licensing-admin',
    role: 'licence-officer',
    kind: 'licence',
    kinds: ['business-licence', 'food-premises-permit', 'street-vending-permit', 'taxi-licence'],
  },
  { org: 'bank-north', admin: 'north-admin', role: 'finance-officer', kind: 'invoice', kinds: [] },
  { org: 'bank-south', admin: 'south-admin', role: 'finance-officer', kind: 'invoice', kinds: [] },
]

export type Sender = {
  readonly index: number
  readonly name: string
  readonly org: string
  readonly key: KeyPair
  readonly kind: SenderKind
  readonly kinds: readonly string[]
  nextNonce: number
}

/**
 * Registers `count` fresh accounts (round-robin over the five organisations) through each
 * organisation's admin, spread over the nodes, and waits for every registration to commit.
 */
export async function registerSenders(net: LocalNetwork, count: number, tag: string): Promise<Sender[]> {
  const senders: Sender[] = []
  for (let i = 0; i < count; i++) {
    const spec = SENDER_ORGS[i % SENDER_ORGS.length]!
    senders.push({
      index: i,
      name: `load-${tag}-${i}`,
      org: spec.org,
      key: generateKeyPair(),
      kind: spec.kind,
      kinds: spec.kinds,
      nextNonce: 0,
    })
  }
  const admins = new Map(SENDER_ORGS.map((s) => [s.org, net.account(s.admin)]))
  // One client per admin: its nonce-ordered pipeline stays on one node.
  const clients = new Map(SENDER_ORGS.map((s, i) => [s.org, net.client(i % net.nodes.length)]))
  try {
    await Promise.all(
      senders.map((s) => {
        const spec = SENDER_ORGS.find((x) => x.org === s.org)!
        return clients.get(s.org)!.sendTx(
          {
            key: admins.get(s.org)!.key,
            ...buildAccountRegister({
              member: s.org,
              name: s.name,
              publicKey: s.key.publicKey,
              roles: [spec.role],
            }),
          },
          { timeoutMs: 120_000 },
        )
      }),
    )
  } catch (e) {
    throw new LoadBenchError(
      LoadBenchErrorCode.SETUP,
      `registering the load's sender accounts failed: ${(e as Error).message}`,
      { cause: (e as { code?: unknown }).code ?? null },
    )
  }
  return senders
}

/** A signed transaction ready to post, with what the tracker and the verify-rate check need. */
export type PreparedTx = {
  readonly hash: string
  /** `{"tx":"<base64>"}` for POST /v1/txs. */
  readonly body: Buffer
  /** The base64 of the transaction alone, for POST /v1/txs/batch. */
  readonly base64: string
  readonly type: string
  readonly sender: number
  readonly nonce: number
  readonly tx: Transaction
}

function fields(recordId: string, names: readonly string[]): Record<string, Uint8Array> {
  const out: Record<string, Uint8Array> = {}
  for (const n of names) out[n] = commitField(recordId, n, randomSalt(), `${n}-${recordId}`)
  return out
}

/**
 * Signs the senders' next transactions in round-robin order (each sender's nonces consecutive).
 * Record ids are `LD-<tag>-<sender>-<nonce>`: fresh on every run.
 */
export class TxFactory {
  readonly #chainId: string
  readonly #senders: readonly Sender[]
  readonly #tag: string
  #turn = 0
  readonly typeCounts = new Map<string, number>()

  constructor(chainId: string, senders: readonly Sender[], tag: string) {
    this.#chainId = chainId
    this.#senders = senders
    this.#tag = tag
  }

  next(): PreparedTx {
    const s = this.#senders[this.#turn++ % this.#senders.length]!
    const nonce = s.nextNonce++
    const recordId = `LD-${this.#tag}-${s.index}-${nonce}`
    const draft = this.#draft(s, recordId, nonce)
    const tx = signTx(draft, { chainId: this.#chainId, keyPair: s.key, nonce })
    this.typeCounts.set(draft.type, (this.typeCounts.get(draft.type) ?? 0) + 1)
    const base64 = toBase64(tx.serialize())
    return {
      hash: tx.hashHex(),
      body: Buffer.from(`{"tx":"${base64}"}`),
      base64,
      type: draft.type,
      sender: s.index,
      nonce,
      tx,
    }
  }

  batch(n: number): PreparedTx[] {
    const out: PreparedTx[] = new Array<PreparedTx>(n)
    for (let i = 0; i < n; i++) out[i] = this.next()
    return out
  }

  #draft(s: Sender, recordId: string, nonce: number): TxDraft {
    const kind = s.kinds[nonce % Math.max(1, s.kinds.length)]
    switch (s.kind) {
      case 'certificate':
        return buildCertificateIssue({
          recordId,
          kind: kind!,
          fields: fields(recordId, ['name', 'dateOfBirth']),
        })
      case 'licence':
        return buildLicenceApply({
          recordId,
          agency: 'city-licensing',
          kind: kind!,
          fields: fields(recordId, ['name', 'nationalId', 'address']),
        })
      case 'invoice':
        return buildInvoiceRegister({
          recordId,
          // A fresh fingerprint: one registration per real invoice.
          fingerprint: randomBytes(32),
          amount: 1000 + (nonce % 100_000),
          currency: 'EUR',
          fields: fields(recordId, ['seller', 'buyer']),
        })
    }
  }
}

export function randomTag(): string {
  return toHex(randomBytes(3))
}
