/**
 * The explorer page script (bundled for the browser by serve.ts). Hash routes:
 *
 *   #/                network view        #/blocks/:height   block detail
 *   #/blocks          latest blocks       #/txs/:hash        transaction detail
 *   #/records[/:id]   record + verdict    #/governance       open proposals and votes
 *
 * No framework: views build DOM with dom.ts and subscribe to the live state (live.ts).
 */
import { Context } from './context.js'
import { byId, fill, h } from './dom.js'
import { HEX64 } from './format.js'
import { Live } from './live.js'
import { renderBlock, renderBlocks, renderTx } from './view-blocks.js'
import { renderGovernance } from './view-governance.js'
import { renderNetwork } from './view-network.js'
import { renderRecords } from './view-records.js'

type Cleanup = () => void

const live = new Live()
const ctx = new Context(live)
let cleanup: Cleanup | undefined
let routeSeq = 0

function parseRoute(hash: string): { section: string; arg: string | null } {
  const parts = hash.replace(/^#\/?/, '').split('/')
  const section = parts[0] ?? ''
  const rest = parts.slice(1).join('/')
  let arg: string | null = null
  if (rest !== '') {
    try {
      arg = decodeURIComponent(rest)
    } catch {
      arg = rest
    }
  }
  return { section, arg }
}

async function route(userNavigated: boolean): Promise<void> {
  const seq = ++routeSeq
  cleanup?.()
  cleanup = undefined
  const main = byId('main')
  if (main === null) return
  const { section, arg } = parseRoute(location.hash)
  const nav = section === '' ? 'network' : section === 'txs' ? 'blocks' : section
  for (const a of Array.from(document.querySelectorAll<HTMLAnchorElement>('[data-nav]'))) {
    if (a.dataset.nav === nav) a.setAttribute('aria-current', 'page')
    else a.removeAttribute('aria-current')
  }
  let title = 'Network'
  let next: Cleanup | undefined
  switch (section) {
    case '':
      next = renderNetwork(main, ctx)
      break
    case 'blocks':
      if (arg !== null && /^[1-9][0-9]{0,14}$/.test(arg)) {
        title = `Block ${arg}`
        await renderBlock(main, ctx, Number(arg))
      } else {
        title = 'Blocks'
        next = renderBlocks(main, ctx)
      }
      break
    case 'txs':
      title = 'Transaction'
      if (arg !== null && HEX64.test(arg)) next = await renderTx(main, ctx, arg)
      else
        fill(
          main,
          h('h1', {}, 'Transaction'),
          h('p', { class: 'error' }, 'A transaction hash is 64 lowercase hex digits.'),
        )
      break
    case 'records':
      title = arg === null ? 'Records' : `Record ${arg}`
      await renderRecords(main, ctx, arg)
      break
    case 'governance':
      title = 'Governance'
      next = await renderGovernance(main, ctx)
      break
    default:
      title = 'Not found'
      fill(main, h('h1', {}, 'Not found'), h('p', {}, h('a', { href: '#/' }, 'Back to the network view')))
  }
  if (seq !== routeSeq) {
    // Another navigation started while this view loaded.
    next?.()
    return
  }
  cleanup = next
  document.title = `${title} · govchain explorer`
  if (userNavigated) {
    window.scrollTo(0, 0)
    main.focus({ preventScroll: true })
  }
}

function search(q: string): void {
  const v = q.trim()
  if (v === '') return
  if (/^[1-9][0-9]{0,14}$/.test(v)) location.hash = `#/blocks/${v}`
  else if (HEX64.test(v.toLowerCase())) location.hash = `#/txs/${v.toLowerCase()}`
  else location.hash = `#/records/${encodeURIComponent(v)}`
}

async function main(): Promise<void> {
  byId<HTMLFormElement>('search')?.addEventListener('submit', (e) => {
    e.preventDefault()
    const input = byId<HTMLInputElement>('search-input')
    if (input !== null) search(input.value)
  })
  window.addEventListener('hashchange', () => void route(true))
  await live.start()
  await route(false)
}

void main()
