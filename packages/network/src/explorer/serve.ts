/**
 * The node side of the block explorer: the page shell (`GET /`), its stylesheet and its script.
 *
 * The script (`page.ts` and what it imports, the ledger's browser entry with noble included) is
 * bundled by esbuild when first asked for, in memory, once per process (≈ 0.1–0.3 s), with
 * `platform: 'browser'` so the ledger's `#sha256` / `#verify` resolve to their noble versions.
 * Nothing generated is committed, nothing is fetched at run time: the sources ship in the package.
 * A bundle that still references a Node built-in is refused (it would not run in a browser).
 */
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { build } from 'esbuild'
import { sourcePath } from '../compiled-sources.js'
import { ExplorerError, ExplorerErrorCode } from '../errors.js'

export type ExplorerAsset = { readonly body: string; readonly etag: string; readonly contentType: string }

// The page's sources, also when this module runs compiled (compiled-sources.ts): esbuild bundles
// the TypeScript for the browser.
const here = (file: string): string => sourcePath(new URL(file, import.meta.url))

/** Content-Security-Policy of the page: only this node's own script, styles and API. */
export const EXPLORER_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ')

function asset(body: string, contentType: string): ExplorerAsset {
  return { body, contentType, etag: `"${createHash('sha256').update(body).digest('hex').slice(0, 32)}"` }
}

/** Imports of Node built-ins that survive bundling (`node:x` or a bare `crypto`, `fs`, …). */
const NODE_BUILTIN =
  /(?:from|import|require)\s*\(?\s*["'](?:node:[a-z_/]+|crypto|fs|path|os|child_process)["']/

/** Throws `EXPLORER_NODE_BUILTIN` if a bundle still imports a Node built-in. */
export function assertBrowserSafe(code: string): void {
  const m = NODE_BUILTIN.exec(code)
  if (m !== null || code.includes('node:crypto'))
    throw new ExplorerError(
      ExplorerErrorCode.NODE_BUILTIN,
      `the explorer bundle references a Node built-in (${m?.[0] ?? 'node:crypto'})`,
    )
}

/** Bundles the page script (browser platform, minified, ES2022). */
export async function buildExplorerScript(opts: { minify?: boolean } = {}): Promise<string> {
  let code: string
  try {
    const result = await build({
      entryPoints: [here('./page.ts')],
      bundle: true,
      write: false,
      platform: 'browser',
      format: 'esm',
      target: 'es2022',
      minify: opts.minify ?? true,
      legalComments: 'none',
      logLevel: 'silent',
      charset: 'utf8',
    })
    code = result.outputFiles[0]?.text ?? ''
  } catch (e) {
    throw new ExplorerError(ExplorerErrorCode.BUILD_FAILED, `explorer bundle: ${(e as Error).message}`)
  }
  assertBrowserSafe(code)
  return code
}

let script: Promise<ExplorerAsset> | undefined

/** The page script, built on first use and kept for the life of the process. */
export function explorerScript(): Promise<ExplorerAsset> {
  if (script === undefined) {
    const building = buildExplorerScript().then((code) => asset(code, 'text/javascript; charset=utf-8'))
    // A failed build is retried on the next request rather than kept.
    building.catch(() => {
      if (script === building) script = undefined
    })
    script = building
  }
  return script
}

let style: ExplorerAsset | undefined

export function explorerStyle(): ExplorerAsset {
  style ??= asset(readFileSync(here('./assets/explorer.css'), 'utf8'), 'text/css; charset=utf-8')
  return style
}

const escapeHtml = (s: string): string =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  )

/** The page shell: landmarks and a skip link; `page.ts` renders the views into `<main>`. */
export function explorerHtml(chainId: string): string {
  const chain = escapeHtml(chainId)
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>govchain explorer · ${chain}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/explorer/style.css">
<script type="module" src="/explorer/app.js"></script>
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="top">
  <p class="brand">govchain explorer <span class="chain" id="chain-id">${chain}</span></p>
  <nav aria-label="Sections">
    <ul>
      <li><a href="#/" data-nav="network">Network</a></li>
      <li><a href="#/blocks" data-nav="blocks">Blocks</a></li>
      <li><a href="#/records" data-nav="records">Records</a></li>
      <li><a href="#/governance" data-nav="governance">Governance</a></li>
    </ul>
  </nav>
  <form class="search" id="search" role="search">
    <label for="search-input">Find a block height, transaction hash or record id</label>
    <input id="search-input" name="q" autocomplete="off" spellcheck="false" placeholder="height, tx hash or record id">
    <button type="submit">Go</button>
  </form>
  <p class="live" id="live" role="status" aria-live="polite">connecting…</p>
</header>
<main id="main" tabindex="-1">
  <noscript><p>The explorer needs JavaScript for its live views. The JSON API is at <a href="/v1/status">/v1/status</a>.</p></noscript>
</main>
<footer class="foot"><p>Served by this node · data from its HTTP API · proofs verified in this browser</p></footer>
</body>
</html>
`
}
