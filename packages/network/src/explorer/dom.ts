/**
 * A tiny DOM builder for the explorer page. Everything shown comes from the chain (which anyone
 * with an account writes to), so text always goes in through `textContent`, never as HTML.
 */

export type Child = Node | string | number | null | undefined | false | readonly Child[]
export type Attrs = Record<string, string | number | boolean | null | undefined | ((e: Event) => void)>

function append(parent: Node, child: Child): void {
  if (child === null || child === undefined || child === false) return
  if (Array.isArray(child)) {
    for (const c of child as readonly Child[]) append(parent, c)
    return
  }
  parent.appendChild(child instanceof Node ? child : document.createTextNode(String(child)))
}

function setAttrs(el: Element, attrs: Attrs | undefined): void {
  if (attrs === undefined) return
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue
    if (typeof value === 'function') el.addEventListener(name.replace(/^on/, ''), value)
    else el.setAttribute(name, value === true ? '' : String(value))
  }
}

/** `h('a', { href: '#/' }, 'text', child…)` */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs?: Attrs,
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag)
  setAttrs(el, attrs)
  append(el, children)
  return el
}

const SVG_NS = 'http://www.w3.org/2000/svg'

export function s<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attrs?: Attrs,
  ...children: Child[]
): SVGElementTagNameMap[K] {
  const el = document.createElementNS(SVG_NS, tag)
  setAttrs(el, attrs)
  append(el, children)
  return el
}

/** Replaces an element's children. */
export function fill(el: Element, ...children: Child[]): void {
  el.replaceChildren()
  append(el, children)
}

export function byId<T extends HTMLElement = HTMLElement>(id: string): T | null {
  return document.getElementById(id) as T | null
}

/** A `<dl>` of label → value rows (values may be nodes). */
export function facts(rows: readonly (readonly [string, Child] | null)[], attrs?: Attrs): HTMLDListElement {
  return h(
    'dl',
    { class: 'facts', ...attrs },
    rows.filter((r) => r !== null).map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]),
  )
}

/** A table with a caption (read by screen readers) and header cells with scope. */
export function table(
  caption: string,
  headers: readonly string[],
  rows: readonly (readonly Child[])[],
  attrs?: Attrs,
): HTMLTableElement {
  return h(
    'table',
    attrs,
    h('caption', {}, caption),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        headers.map((t) => h('th', { scope: 'col' }, t)),
      ),
    ),
    h(
      'tbody',
      {},
      rows.map((r) =>
        h(
          'tr',
          {},
          r.map((c) => h('td', {}, c)),
        ),
      ),
    ),
  )
}

/** Text for screen readers only (e.g. the meaning of a coloured mark). */
export function srOnly(text: string): HTMLSpanElement {
  return h('span', { class: 'sr-only' }, text)
}

/** A section with a heading, labelled by it. */
export function section(id: string, title: string, ...children: Child[]): HTMLElement {
  return h('section', { 'aria-labelledby': `${id}-h` }, h('h2', { id: `${id}-h` }, title), children)
}
