/** Blocks: the latest blocks streaming in, block detail, transaction detail. */
import { decode, fromBase64, jsonSafe, type Encodable } from '@govchain/ledger/browser'
import { api, type TxEvent, type TxStatusJson } from './api.js'
import type { Context } from './context.js'
import { facts, fill, h, section, table, type Child } from './dom.js'
import { bytes, dateTimeOf, HEX64, isObject, num, short, timeOf } from './format.js'
import type { LiveBlock } from './live.js'

export const BLOCK_HEADERS = ['Height', 'Hash', 'Txs', 'Round', 'Proposer', 'Signers', 'Time', 'Latency']

export function blockRow(b: LiveBlock, ctx: Context): HTMLTableRowElement {
  const validators = ctx.live.status?.validators.length
  return h(
    'tr',
    { 'data-height': b.height },
    h('td', {}, h('a', { href: `#/blocks/${b.height}` }, String(b.height))),
    h('td', {}, h('code', { title: b.hash }, short(b.hash))),
    h('td', {}, String(b.txs.length)),
    h('td', {}, String(b.round)),
    h('td', {}, ctx.validatorName(b.proposer)),
    h('td', {}, `${b.signers.length}${validators === undefined ? '' : `/${validators}`}`),
    h('td', {}, timeOf(b.timeMs)),
    h('td', {}, b.latencyMs === null ? '—' : `${num(b.latencyMs, 0)} ms`),
  )
}

export function renderBlocks(main: HTMLElement, ctx: Context): () => void {
  const body = h('tbody', { id: 'blocks-body' })
  const count = h('span', { id: 'blocks-count' })
  fill(
    main,
    h('h1', {}, 'Blocks'),
    h('p', {}, 'New blocks appear at the top as this node commits them. ', count),
    h(
      'table',
      { class: 'blocks', id: 'blocks-table' },
      h('caption', {}, 'Latest blocks, newest first (live)'),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          BLOCK_HEADERS.map((x) => h('th', { scope: 'col' }, x)),
        ),
      ),
      body,
    ),
  )
  const draw = () => {
    fill(
      body,
      ctx.live.blocks.slice(0, 50).map((b) => blockRow(b, ctx)),
    )
    count.textContent = `${ctx.live.blocks.length} blocks loaded.`
  }
  draw()
  const off = ctx.live.onBlock((b) => {
    draw()
    body.querySelector(`tr[data-height="${b.height}"]`)?.classList.add('fresh')
  })
  return off
}

export async function renderBlock(main: HTMLElement, ctx: Context, height: number): Promise<void> {
  fill(main, h('h1', {}, `Block ${height}`), h('p', {}, 'Loading…'))
  const [r, txs] = await Promise.all([api.block(height), api.blockTxs(height, 0, 200)])
  if (!r.ok) {
    fill(main, h('h1', {}, `Block ${height}`), notFound(r.code, r.message))
    return
  }
  const b = r.body
  const hd = b.header
  const headerRows = Object.entries(hd)
    .filter(([k]) => !['lastCommit', 'time', 'timeMs', 'hash'].includes(k))
    .map(([k, v]) => [HEADER_LABELS[k] ?? k, value(k, v, ctx, height)] as const)
  const signatures = b.certificate.signatures
  fill(
    main,
    h('h1', {}, `Block ${height}`),
    h(
      'nav',
      { 'aria-label': 'Neighbouring blocks', class: 'pager' },
      height > 1 ? h('a', { href: `#/blocks/${height - 1}`, rel: 'prev' }, `← Block ${height - 1}`) : null,
      h('a', { href: `#/blocks/${height + 1}`, rel: 'next' }, `Block ${height + 1} →`),
    ),
    section(
      'header',
      'Header',
      facts([
        ['Hash', h('code', { class: 'hash' }, b.hash)],
        ['Time', dateTimeOf(hd.timeMs)],
        ...headerRows,
        ['Last commit', hd.lastCommit === null ? 'none (first block)' : `certificate of block ${height - 1}`],
      ]),
    ),
    section(
      'certificate',
      'Commit certificate',
      h(
        'p',
        {},
        `Decided in round ${b.certificate.round}; ${signatures.length} precommit signatures`,
        ctx.live.status === null ? '' : ` of ${ctx.live.status.validators.length} validators`,
        '.',
      ),
      table(
        'Validators whose precommits form the certificate',
        ['Index', 'Validator', 'Public key', 'Signature'],
        signatures.map((sig, i) => {
          const key = b.signers[i] ?? ''
          return [
            String(sig.validatorIndex),
            ctx.validatorName(key),
            h('code', { title: key }, short(key)),
            h('code', { title: sig.signature }, short(sig.signature)),
          ]
        }),
        { id: 'signers' },
      ),
    ),
    section(
      'txs',
      `Transactions (${b.txs.length})`,
      !txs.ok || txs.body.txs.length === 0
        ? h('p', {}, b.txs.length === 0 ? 'This block has no transactions.' : 'Could not load them.')
        : table(
            txs.body.total > txs.body.txs.length
              ? `First ${txs.body.txs.length} of ${txs.body.total} transactions`
              : `${txs.body.total} transactions`,
            ['#', 'Hash', 'Type', 'Sender', 'Organisation', 'Nonce', 'Size'],
            txs.body.txs.map((t) => [
              String(t.index),
              h('a', { href: `#/txs/${t.hash}`, title: t.hash }, short(t.hash)),
              h('code', {}, t.type),
              h('code', { title: t.sender }, short(t.sender)),
              orgCell(ctx, t.sender),
              String(t.nonce),
              bytes(t.size),
            ]),
            { id: 'block-txs' },
          ),
    ),
    b.evidence.length > 0
      ? section('evidence', 'Evidence', h('pre', {}, JSON.stringify(b.evidence, null, 2)))
      : null,
  )
}

/** A cell filled in when the sender's organisation is known. */
function orgCell(ctx: Context, sender: string): HTMLElement {
  const cell = h('span', { class: 'org' }, '…')
  void ctx.account(sender).then((a) => {
    cell.textContent =
      a === null ? 'unknown account' : `${a.member ?? '—'}${a.name === null ? '' : ` · ${a.name}`}`
  })
  return cell
}

const HEADER_LABELS: Record<string, string> = {
  chainId: 'Chain id',
  height: 'Height',
  round: 'Proposal round',
  prevHash: 'Previous block',
  proposer: 'Proposer',
  validatorSetHash: 'Validator set',
  nextValidatorSetHash: 'Next validator set',
  txRoot: 'Transactions root',
  stateRoot: 'State root',
  resultRoot: 'Results root',
  evidenceRoot: 'Evidence root',
}

function value(key: string, v: unknown, ctx: Context, height: number): Child {
  if (key === 'proposer' && typeof v === 'string')
    return [ctx.validatorName(v), ' ', h('code', { class: 'hash' }, v)]
  if (key === 'prevHash' && typeof v === 'string' && height > 1)
    return h('a', { href: `#/blocks/${height - 1}`, class: 'hash' }, v)
  if (typeof v === 'string' && HEX64.test(v)) return h('code', { class: 'hash' }, v)
  if (typeof v === 'string' || typeof v === 'number') return String(v)
  return h('code', {}, JSON.stringify(v))
}

function notFound(code: string, message: string): HTMLElement {
  return h('p', { class: 'error', role: 'alert' }, `${code}${message === '' ? '' : `: ${message}`}`)
}

export async function renderTx(main: HTMLElement, ctx: Context, hash: string): Promise<() => void> {
  fill(main, h('h1', {}, 'Transaction'), h('p', {}, 'Loading…'))
  const box = h('div', { id: 'tx-detail' })
  fill(main, h('h1', {}, 'Transaction'), h('p', {}, h('code', { class: 'hash' }, hash)), box)
  const draw = async () => {
    const r = await api.tx(hash)
    if (!r.ok) {
      fill(
        box,
        r.status === 404
          ? h(
              'p',
              { id: 'tx-status', 'data-status': 'unknown' },
              'This node does not know this transaction (yet). The page updates if it arrives.',
            )
          : notFound(r.code, r.message),
      )
      return
    }
    fill(box, txDetail(r.body, ctx))
  }
  await draw()
  // Follow this transaction's status changes.
  const events = new EventSource(`/v1/events?types=tx&tx=${hash}`)
  events.addEventListener('tx', (e) => {
    const t = JSON.parse((e as MessageEvent<string>).data) as TxEvent
    if (t.hash === hash) void draw()
  })
  return () => events.close()
}

function txDetail(t: TxStatusJson, ctx: Context): Child {
  const status = h(
    'strong',
    { id: 'tx-status', class: `badge ${t.status}`, 'data-status': t.status },
    t.status,
  )
  const org = h('span', { id: 'tx-org' }, t.tx === undefined ? '—' : '…')
  if (t.tx !== undefined)
    void ctx.account(t.tx.sender).then((a) => {
      org.textContent =
        a === null ? 'unknown account' : `${a.member ?? '—'}${a.name === null ? '' : ` (${a.name})`}`
    })
  const rows: (readonly [string, Child] | null)[] = [
    ['Status', status],
    t.height === undefined ? null : ['Block', h('a', { href: `#/blocks/${t.height}` }, String(t.height))],
    t.index === undefined ? null : ['Position in block', String(t.index)],
    t.tx === undefined ? null : ['Type', h('code', { id: 'tx-type' }, t.tx.type)],
    t.tx === undefined ? null : ['Sender', h('code', { class: 'hash' }, t.tx.sender)],
    ['Sender organisation', org],
    t.tx === undefined ? null : ['Nonce', String(t.tx.nonce)],
    t.tx === undefined
      ? null
      : ['Expires', t.tx.expiryHeight === null ? 'never' : `after height ${t.tx.expiryHeight}`],
    t.tx === undefined ? null : ['Size', bytes(t.tx.size)],
    t.error === undefined
      ? null
      : [
          'Error',
          h('span', { class: 'error', id: 'tx-error' }, h('code', {}, t.error.code), ` ${t.error.message}`),
        ],
  ]
  return [
    facts(rows),
    t.receipt === undefined ? null : section('receipt', 'Receipt', receipt(t.receipt)),
    t.tx === undefined ? null : section('payload', 'Payload', payload(t.tx.payload)),
  ]
}

function receipt(r: unknown): Child {
  const events = isObject(r) && Array.isArray(r.events) ? r.events : []
  const rows = events.map((e) => {
    const ev = isObject(e) ? e : {}
    const attrs = isObject(ev.attributes) ? ev.attributes : {}
    return [
      h('code', {}, String(ev.type ?? '')),
      h(
        'ul',
        { class: 'attrs' },
        Object.entries(attrs).map(([k, v]) =>
          h('li', {}, h('span', { class: 'k' }, k), ' ', h('code', {}, String(v))),
        ),
      ),
    ]
  })
  return [
    events.length === 0
      ? h('p', {}, 'No events.')
      : table('Events the transaction emitted', ['Event', 'Attributes'], rows),
    isObject(r) && r.data !== undefined ? h('pre', {}, JSON.stringify(r.data, null, 2)) : null,
  ]
}

function payload(b64: string): Child {
  let text: string
  try {
    text = JSON.stringify(jsonSafe(decode(fromBase64(b64), 1 << 20, 'payload') as Encodable), null, 2)
  } catch {
    text = `(not canonical CBOR) ${b64}`
  }
  return h(
    'details',
    {},
    h('summary', {}, 'Decoded payload (public: personal fields appear only as commitments)'),
    h('pre', {}, text),
  )
}
