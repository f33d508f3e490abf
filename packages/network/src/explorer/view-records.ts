/**
 * Records: look a record up by id, show it and its history, and verify the node's proof here in
 * the browser (verdict.ts) — valid, revoked or invalid. Personal fields are on chain only as
 * salted commitments, and are shown as such. A box holds the answer JSON: edit or paste one and
 * verify it again (a tampered answer is flagged invalid).
 */
import { api, type RecordAnswer } from './api.js'
import type { Context, TrustState } from './context.js'
import { facts, fill, h, section, table, type Child } from './dom.js'
import { dateTimeOf, HEX64, isObject, short } from './format.js'
import { verifyRecordAnswer, type RecordVerdict, type TrustRoot } from './verdict.js'

const LABEL: Record<RecordVerdict['kind'], string> = {
  valid: 'VALID',
  revoked: 'REVOKED',
  invalid: 'INVALID',
}
const ICON: Record<RecordVerdict['kind'], string> = { valid: '✔', revoked: '⚠', invalid: '✖' }

export async function renderRecords(main: HTMLElement, ctx: Context, id: string | null): Promise<void> {
  const input = h('input', {
    id: 'record-id',
    name: 'id',
    required: true,
    maxlength: 64,
    autocomplete: 'off',
    spellcheck: 'false',
    value: id ?? '',
  })
  const form = h(
    'form',
    { id: 'record-form', class: 'inline' },
    h('label', { for: 'record-id' }, 'Record id'),
    input,
    h('button', { type: 'submit' }, 'Look up and verify'),
  )
  form.addEventListener('submit', (e) => {
    e.preventDefault()
    const v = input.value.trim()
    if (v !== '') location.hash = `#/records/${encodeURIComponent(v)}`
  })
  const result = h('div', { id: 'record-result' })
  fill(
    main,
    h('h1', {}, id === null ? 'Records' : `Record ${id}`),
    h(
      'p',
      {},
      'Look up a licence, certificate, invoice, loan, subsidy or proposal by its id. The node answers with a proof ' +
        '(state proof, block header and commit certificate); this page checks it in your browser against the ' +
        'genesis validator set, without trusting the node.',
    ),
    form,
    result,
  )
  if (id === null) return
  fill(result, h('p', {}, 'Loading…'))
  const r = await api.record(id)
  if (!r.ok) {
    fill(
      result,
      h(
        'p',
        { class: 'error', role: 'alert', id: 'record-error' },
        r.status === 404 ? `No record ${id} on this chain.` : `${r.code}: ${r.message}`,
      ),
    )
    return
  }
  const answer = r.body
  const verdict = h(
    'div',
    { id: 'verdict', role: 'status', 'aria-live': 'polite', class: 'verdict pending' },
    'Verifying the proof in this browser…',
  )
  const box = h('textarea', { id: 'proof-json', rows: 14, spellcheck: 'false' })
  box.value = JSON.stringify(answer, null, 2)
  const check = h('div', { id: 'check-verdict', role: 'status', 'aria-live': 'polite' })
  const verifyButton = h('button', { type: 'button', id: 'verify-json' }, 'Verify this JSON')
  verifyButton.addEventListener('click', () => void checkPasted(ctx, box.value, id, check))
  fill(
    result,
    section('verdict-section', 'Proof verdict', verdict),
    section('record', 'Record', recordView(answer)),
    section('history', 'History', historyView(answer)),
    section(
      'check',
      'Check an answer yourself',
      h(
        'p',
        {},
        `The node's answer to GET /v1/records/${id}?prove=true. Edit it (for instance flip one hex digit of a ` +
          'proof sibling, the header or the certificate) or paste another answer, and verify it again.',
      ),
      h('label', { for: 'proof-json' }, 'Answer JSON (record and proof)'),
      box,
      h('p', {}, verifyButton),
      check,
    ),
  )
  await showVerdict(ctx, verdict, answer, id, () => void renderRecords(main, ctx, id))
}

async function showVerdict(
  ctx: Context,
  el: HTMLElement,
  answer: unknown,
  id: string,
  rerender: () => void,
): Promise<void> {
  const trust = await ctx.trust()
  if (!trust.ok) {
    fill(el, verdictView(untrusted(trust), null), repinButton(ctx, trust, rerender))
    setVerdictClass(el, 'invalid')
    return
  }
  // Verification is synchronous (noble): let the "Verifying…" text paint first.
  await new Promise((r) => setTimeout(r, 0))
  const v = verifyRecordAnswer(answer, trust.root, id)
  fill(el, verdictView(v, trust.root))
  setVerdictClass(el, v.kind)
}

async function checkPasted(ctx: Context, text: string, id: string, el: HTMLElement): Promise<void> {
  let answer: unknown
  try {
    answer = JSON.parse(text)
  } catch (e) {
    fill(el, verdictView(invalidVerdict(`the text is not JSON (${(e as Error).message})`), null))
    setVerdictClass(el, 'invalid')
    return
  }
  const trust = await ctx.trust()
  if (!trust.ok) {
    fill(el, verdictView(untrusted(trust), null))
    setVerdictClass(el, 'invalid')
    return
  }
  const v = verifyRecordAnswer(answer, trust.root, id)
  fill(el, verdictView(v, trust.root))
  setVerdictClass(el, v.kind)
}

function setVerdictClass(el: HTMLElement, kind: RecordVerdict['kind']): void {
  el.className = `verdict ${kind}`
  el.dataset.verdict = kind
}

function invalidVerdict(text: string, code = 'VERDICT_MALFORMED_ANSWER'): RecordVerdict {
  return {
    kind: 'invalid',
    summary: `Invalid: ${text}`,
    code,
    status: null,
    height: null,
    blockHash: null,
    checks: [{ ok: false, text }],
  }
}

function untrusted(t: Extract<TrustState, { ok: false }>): RecordVerdict {
  return invalidVerdict(t.reason, 'VERDICT_UNTRUSTED_GENESIS')
}

function repinButton(ctx: Context, t: Extract<TrustState, { ok: false }>, rerender: () => void): Child {
  const root = t.root
  if (root === undefined) return null
  const b = h('button', { type: 'button' }, "Trust this node's genesis instead")
  b.addEventListener('click', () => {
    ctx.repin(root)
    rerender()
  })
  return h('p', {}, 'If the chain was deliberately reset, ', b)
}

function verdictView(v: RecordVerdict, root: TrustRoot | null): Child {
  return [
    h(
      'p',
      { class: 'verdict-label' },
      h('span', { 'aria-hidden': 'true' }, ICON[v.kind]),
      ' ',
      LABEL[v.kind],
    ),
    h('p', { class: 'verdict-summary' }, v.summary),
    h(
      'ul',
      { class: 'checks' },
      v.checks.map((c) =>
        h(
          'li',
          { class: c.ok ? 'ok' : 'fail' },
          h('span', { 'aria-hidden': 'true' }, c.ok ? '✔ ' : '✖ '),
          c.ok ? '' : 'failed: ',
          c.text,
        ),
      ),
    ),
    v.code === null ? null : h('p', { class: 'code' }, 'Code: ', h('code', {}, v.code)),
    root === null
      ? null
      : h(
          'p',
          { class: 'hint' },
          `Trust root: chain ${root.chainId}, genesis ${short(root.genesisHash)} with ${root.validators.size} validators ` +
            '(pinned in this browser on first use).',
        ),
  ]
}

/** The record: summary facts, commitments, other fields. */
function recordView(answer: RecordAnswer): Child {
  const meta = isObject(answer.record) ? answer.record : {}
  const rec = isObject(meta.record) ? meta.record : meta
  const known = ['id', 'type', 'owner', 'status', 'fields', 'historyLength', 'history']
  const commitments = isObject(rec.fields) ? Object.entries(rec.fields) : []
  const others = Object.entries(rec).filter(([k]) => !known.includes(k))
  return [
    facts([
      ['Id', h('code', {}, answer.id)],
      typeof rec.type === 'string' ? ['Type', rec.type] : null,
      typeof rec.owner === 'string' ? ['Owner', rec.owner] : null,
      typeof rec.status === 'string' ? ['Status', h('strong', { id: 'record-status' }, rec.status)] : null,
      typeof meta.effectiveStatus === 'string' && meta.effectiveStatus !== rec.status
        ? ['Status now', `${meta.effectiveStatus} (at height ${answer.height})`]
        : null,
      ['Answered at height', h('a', { href: `#/blocks/${answer.height}` }, String(answer.height))],
    ]),
    commitments.length === 0
      ? null
      : [
          h('h3', {}, 'Personal data (commitments only)'),
          h(
            'p',
            { class: 'hint' },
            'Salted SHA-256 commitments. The values and salts stay with the owning organisation; ' +
              'a holder can disclose one field with its salt to prove it.',
          ),
          table(
            'Personal-data fields as salted commitments',
            ['Field', 'Commitment'],
            commitments.map(([k, v]) => [k, h('code', { class: 'hash commitment' }, String(v))]),
            { id: 'commitments' },
          ),
        ],
    others.length === 0
      ? null
      : [
          h('h3', {}, 'Other fields'),
          table(
            'Other fields of the record',
            ['Field', 'Value'],
            others.map(([k, v]) => [k, fieldValue(k, v)]),
            { id: 'record-fields' },
          ),
        ],
  ]
}

function fieldValue(key: string, v: unknown): Child {
  if (v === null) return '—'
  if (/Height$/.test(key) && typeof v === 'number') return h('a', { href: `#/blocks/${v}` }, String(v))
  if (typeof v === 'string' && HEX64.test(v)) return h('code', { class: 'hash' }, v)
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return String(v)
  return h('code', { class: 'json' }, JSON.stringify(v))
}

function historyView(answer: RecordAnswer): Child {
  const meta = isObject(answer.record) ? answer.record : {}
  const entries = Array.isArray(meta.history) ? meta.history.filter(isObject) : []
  if (entries.length === 0) return h('p', {}, 'No history entries.')
  const columns = [...new Set(entries.flatMap((e) => Object.keys(e)))].slice(0, 12)
  const total = typeof meta.historyTotal === 'number' ? meta.historyTotal : entries.length
  return table(
    total > entries.length
      ? `${entries.length} of ${total} history entries`
      : `${entries.length} history entries`,
    columns,
    entries.map((e) => columns.map((c) => historyCell(c, e[c]))),
    { id: 'history-table' },
  )
}

function historyCell(key: string, v: unknown): Child {
  if (v === null || v === undefined) return '—'
  if (key === 'height' && typeof v === 'number') return h('a', { href: `#/blocks/${v}` }, String(v))
  if (key === 'txHash' && typeof v === 'string' && HEX64.test(v))
    return h('a', { href: `#/txs/${v}`, title: v }, short(v))
  if (key === 'timeMs' && typeof v === 'number') return dateTimeOf(v)
  if (typeof v === 'string' && HEX64.test(v)) return h('code', { title: v }, short(v))
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return String(v)
  return h('code', { class: 'json' }, JSON.stringify(v))
}
