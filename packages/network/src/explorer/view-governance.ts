/**
 * Governance: the open proposals (the application's `proposals` query) and their votes. Generic
 * over the answer's shape: a proposal's `voters` (member ids) and `votes` (member → vote) are
 * shown when present, the rest as fields.
 */
import { api } from './api.js'
import type { Context } from './context.js'
import { facts, fill, h, table, type Child } from './dom.js'
import { isObject } from './format.js'

export async function renderGovernance(main: HTMLElement, ctx: Context): Promise<() => void> {
  const list = h('div', { id: 'proposals' }, h('p', {}, 'Loading…'))
  fill(
    main,
    h('h1', {}, 'Governance'),
    h(
      'p',
      {},
      'Open proposals to change the alliance (members, roles, validators) and how each member voted. ' +
        'A proposal passes with the votes of more than two thirds of the members entitled to vote.',
    ),
    list,
  )
  const draw = async () => {
    const r = await api.query('proposals')
    if (!r.ok) {
      fill(
        list,
        h(
          'p',
          { class: r.status === 400 ? 'hint' : 'error' },
          r.status === 400
            ? `This chain's application has no proposals query (${r.code}).`
            : `Could not load proposals: ${r.code} ${r.message}`,
        ),
      )
      return
    }
    const proposals = Array.isArray(r.body.value) ? r.body.value.filter(isObject) : []
    fill(
      list,
      h(
        'p',
        {},
        `${proposals.length} open proposal${proposals.length === 1 ? '' : 's'} at height ${r.body.height}.`,
      ),
      proposals.map((p) => proposalView(p)),
    )
  }
  await draw()
  // Votes arrive in blocks: refresh on each new block (the query is cheap).
  return ctx.live.onBlock(() => void draw())
}

function proposalView(p: Record<string, unknown>): Child {
  const id = typeof p.id === 'string' ? p.id : '?'
  const voters = Array.isArray(p.voters) ? p.voters.map(String) : []
  const votes = isObject(p.votes) ? p.votes : {}
  const yes = Object.values(votes).filter((v) => v === 'yes').length
  const no = Object.values(votes).filter((v) => v === 'no').length
  const action = isObject(p.action) ? p.action : {}
  const headingId = `proposal-${id.replace(/[^A-Za-z0-9_-]/g, '_')}`
  return h(
    'article',
    { class: 'proposal', 'aria-labelledby': headingId, 'data-proposal': id },
    h('h2', { id: headingId }, `Proposal ${id}`, typeof action.type === 'string' ? `: ${action.type}` : ''),
    facts([
      ['Status', String(p.status ?? '—')],
      ['Proposed by', String(p.owner ?? '—')],
      ['Proposed at height', String(p.createdHeight ?? '—')],
      ['Voting deadline', p.deadlineHeight === undefined ? '—' : `height ${String(p.deadlineHeight)}`],
      [
        'Tally',
        h(
          'strong',
          { class: 'tally' },
          `${yes} yes, ${no} no, ${voters.length - yes - no} not voted of ${voters.length}`,
        ),
      ],
      ['Action', h('code', { class: 'json' }, JSON.stringify(action))],
      [
        'Proof',
        h('a', { href: `#/records/${encodeURIComponent(id)}` }, 'verify this proposal in the browser'),
      ],
    ]),
    voters.length === 0
      ? null
      : table(
          `Votes on proposal ${id}`,
          ['Member', 'Vote'],
          voters.map((m) => {
            const v = votes[m]
            return [
              m,
              h(
                'span',
                { class: `vote ${v === 'yes' || v === 'no' ? v : 'none'}` },
                typeof v === 'string' ? v : 'not voted',
              ),
            ]
          }),
          { class: 'votes' },
        ),
  )
}
