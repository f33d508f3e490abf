/**
 * The explorer's page script is bundled for the browser: the ledger's `#sha256` / `#verify`
 * resolve to their noble implementations and nothing of Node (node:crypto…) is left.
 */
import { describe, expect, it } from 'vitest'
import { assertBrowserSafe, buildExplorerScript, explorerHtml } from '../../src/explorer/serve.js'

describe('explorer bundle', () => {
  it('bundles with the browser implementations and no Node built-in', async () => {
    const code = await buildExplorerScript({ minify: false })
    // esbuild marks each module with its path in a comment when not minified.
    expect(code).toMatch(/ledger\/src\/crypto\/sha256\.browser\.ts/)
    expect(code).toMatch(/ledger\/src\/crypto\/verify\.browser\.ts/)
    expect(code).toMatch(/@noble\/curves/)
    expect(code).not.toMatch(/ledger\/src\/crypto\/(sha256|verify)\.ts/)
    expect(code).not.toMatch(/node:/)
    const min = await buildExplorerScript()
    expect(min.length).toBeLessThan(400_000)
  })

  it.each([
    'import { createHash } from "node:crypto"',
    'const c = require("crypto")',
    'await import("node:fs")',
  ])('refuses a bundle that references a Node built-in: %s', (code) => {
    expect(() => assertBrowserSafe(code)).toThrow(/EXPLORER_NODE_BUILTIN|Node built-in/)
  })

  it('the page shell escapes the chain id and has landmarks', () => {
    const html = explorerHtml('<script>x</script>')
    expect(html).not.toContain('<script>x')
    expect(html).toContain('&lt;script&gt;')
    for (const tag of ['<header', '<nav', '<main', '<footer', 'lang="en"']) expect(html).toContain(tag)
  })
})
