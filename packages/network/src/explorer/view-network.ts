/** Network view: chain and node facts, live charts, validators with recent signatures, peers. */
import { linePath, niceMax, type Series } from './chart.js'
import type { Context } from './context.js'
import { fill, facts, h, s, section, srOnly, table } from './dom.js'
import { bytes, dateTimeOf, num, short } from './format.js'
import { CHART_SECONDS, RATE_WINDOW_MS } from './live.js'
import { blockRow, BLOCK_HEADERS } from './view-blocks.js'

/** How many recent blocks the validators table shows signatures for. */
export const SIGNED_WINDOW = 10

const CHART_W = 320
const CHART_H = 90

type ChartSpec = { id: string; title: string; unit: string; series: () => Series; digits: number }

export function renderNetwork(main: HTMLElement, ctx: Context): () => void {
  const { live } = ctx
  const charts: ChartSpec[] = [
    {
      id: 'chart-blocks',
      title: 'Blocks per second',
      unit: 'blocks/s',
      series: () => live.series.blocks,
      digits: 2,
    },
    {
      id: 'chart-txs',
      title: 'Transactions per second',
      unit: 'txs/s',
      series: () => live.series.txs,
      digits: 1,
    },
    {
      id: 'chart-latency',
      title: 'Commit latency',
      unit: 'ms',
      series: () => live.series.latency,
      digits: 0,
    },
  ]
  const chain = h('div', { id: 'chain-facts' })
  const chartBox = h(
    'div',
    { class: 'charts' },
    charts.map((c) => h('figure', { class: 'chart', id: c.id })),
  )
  const validators = h('div', { id: 'validators' })
  const peers = h('div', { id: 'peers' })
  const latest = h('div', { id: 'latest-blocks' })
  fill(
    main,
    h('h1', {}, 'Network'),
    section(
      'activity',
      'Activity',
      chartBox,
      h(
        'p',
        { class: 'hint' },
        `Averages over ${RATE_WINDOW_MS / 1000} s, one sample a second, last ${CHART_SECONDS / 60} minutes. ` +
          'Commit latency: from the start of a height on this node to its commit.',
      ),
    ),
    h(
      'div',
      { class: 'columns' },
      section('chain', 'Chain and node', chain),
      h('div', {}, section('validators', 'Validators', validators), section('peers', 'Peers', peers)),
    ),
    section('latest', 'Latest blocks', latest),
  )

  const drawChain = () => {
    const st = live.status
    if (st === null) return fill(chain, h('p', {}, 'Waiting for the node…'))
    fill(
      chain,
      facts([
        ['Chain id', h('code', {}, st.chainId)],
        ['Genesis hash', h('code', { class: 'hash', title: st.genesisHash }, st.genesisHash)],
        ['Height', h('strong', { id: 'height' }, String(st.height))],
        [
          'Finalised block',
          h('a', { href: `#/blocks/${st.height}`, class: 'hash', title: st.blockHash }, st.blockHash),
        ],
        ['Block time', dateTimeOf(st.timeMs)],
        ['State root', h('code', { class: 'hash', title: st.stateRoot }, st.stateRoot)],
        ['This node', `${st.node.name} (${st.node.org})`],
        ['Peer id', h('code', {}, st.node.peerId)],
        ['Consensus', `height ${st.consensus.height}, round ${st.consensus.round}, ${st.consensus.step}`],
        ['Sync', st.syncing ? `syncing, ${st.sync.behind} blocks behind` : 'in sync'],
        ['Mempool', `${st.mempool.txs} transactions (${bytes(st.mempool.bytes)})`],
      ]),
    )
  }

  const drawValidators = () => {
    const st = live.status
    if (st === null) return
    const top = live.blocks[0]?.height ?? st.height
    const heights = Array.from({ length: SIGNED_WINDOW }, (_, i) => top - SIGNED_WINDOW + 1 + i).filter(
      (x) => x > 0,
    )
    const total = st.validators.reduce((a, v) => a + v.power, 0)
    fill(
      validators,
      table(
        `${st.validators.length} validators, total power ${total}. Filled: the validator's precommit is in the commit ` +
          `certificate of block ${heights[0] ?? '—'}…${top}; a certificate needs only more than 2/3 of the power.`,
        ['Name', 'Member', 'Power', 'Public key', `Signed (last ${heights.length})`],
        st.validators.map((v) => {
          let signed = 0
          let known = 0
          const marks = heights.map((height) => {
            const signers = live.signersAt(height)
            if (signers === undefined)
              return h('span', { class: 'sig unknown', title: `block ${height}: not loaded` })
            known++
            const ok = signers.includes(v.publicKey)
            if (ok) signed++
            return h('span', {
              class: ok ? 'sig yes' : 'sig no',
              title: `block ${height}: ${ok ? 'signed' : 'not in the certificate'}`,
            })
          })
          return [
            v.name ?? '—',
            v.member ?? '—',
            String(v.power),
            h('code', { title: v.publicKey }, short(v.publicKey, 8, 4)),
            h(
              'span',
              { class: 'sigs', 'data-validator': v.publicKey },
              h('span', { 'aria-hidden': 'true', class: 'marks' }, marks),
              h('span', { class: 'sig-count' }, `${signed}/${known}`),
              srOnly(` blocks signed`),
            ),
          ]
        }),
        { class: 'validators' },
      ),
    )
  }

  const drawPeers = () => {
    const st = live.status
    if (st === null) return
    fill(
      peers,
      st.peerList.length === 0
        ? h('p', {}, 'No member peer connected.')
        : table(
            `${st.peerList.length} connected member peers`,
            ['Peer id', 'Member'],
            st.peerList.map((p) => [h('code', {}, p.peerId), p.member ?? '—']),
          ),
    )
  }

  const drawLatest = () => {
    const t = h(
      'table',
      { class: 'blocks' },
      h('caption', {}, 'The 8 latest blocks (live)'),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          BLOCK_HEADERS.map((x) => h('th', { scope: 'col' }, x)),
        ),
      ),
      h(
        'tbody',
        {},
        live.blocks.slice(0, 8).map((b) => blockRow(b, ctx)),
      ),
    )
    fill(latest, t)
  }

  const drawCharts = () => {
    for (const c of charts) {
      const el = document.getElementById(c.id)
      if (el !== null) drawChart(el, c)
    }
  }

  drawChain()
  drawValidators()
  drawPeers()
  drawLatest()
  drawCharts()
  const offs = [
    live.onStatus(() => {
      drawChain()
      drawValidators()
      drawPeers()
    }),
    live.onBlock(() => {
      drawLatest()
      drawValidators()
    }),
    live.onTick(drawCharts),
  ]
  return () => offs.forEach((off) => off())
}

function drawChart(fig: HTMLElement, c: ChartSpec): void {
  const series = c.series()
  const max = niceMax(series.max)
  const last = series.last
  const now = last === null ? 'no data' : `${num(last, c.digits)} ${c.unit}`
  const label = `${c.title} over the last ${CHART_SECONDS / 60} minutes: now ${now}, scale 0 to ${num(max, 2)} ${c.unit}`
  const grid = [0.25, 0.5, 0.75].map((f) =>
    s('line', { x1: 0, x2: CHART_W, y1: CHART_H * f, y2: CHART_H * f, class: 'grid' }),
  )
  fill(
    fig,
    h(
      'figcaption',
      {},
      h('span', { class: 'chart-title' }, c.title),
      ' ',
      h('strong', { class: 'chart-now' }, now),
    ),
    s(
      'svg',
      {
        viewBox: `0 0 ${CHART_W} ${CHART_H}`,
        width: CHART_W,
        height: CHART_H,
        role: 'img',
        'aria-label': label,
        preserveAspectRatio: 'none',
      },
      s('title', {}, label),
      s('rect', { x: 0, y: 0, width: CHART_W, height: CHART_H, class: 'bg' }),
      grid,
      s('path', { d: linePath(series.values, CHART_W, CHART_H - 2, max), class: 'line' }),
      s('text', { x: 4, y: 12, class: 'axis' }, `${num(max, 2)}`),
      s('text', { x: 4, y: CHART_H - 4, class: 'axis' }, '0'),
    ),
  )
}
