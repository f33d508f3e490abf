/**
 * Headless Chromium for the browser tests: Debian's `chromium` (installed by .ci/run), driven by
 * playwright-core, with a fresh profile per launch and the flags that keep it off the network
 * (without the background-networking ones its own connections are refused in this sandbox).
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium, type BrowserContext, type Page } from 'playwright-core'

export const CHROMIUM = process.env.GOVCHAIN_CHROMIUM ?? '/usr/bin/chromium'

/** Screenshots go here (git-ignored; CI keeps it as artefacts). */
export const ARTIFACTS = resolve(fileURLToPath(new URL('../../artifacts/explorer', import.meta.url)))

export function chromiumAvailable(): boolean {
  return existsSync(CHROMIUM)
}

export type Session = { context: BrowserContext; page: Page; close(): Promise<void> }

export async function openBrowser(viewport = { width: 1366, height: 768 }): Promise<Session> {
  // A fresh profile directory (playwright passes it as --user-data-dir).
  const profile = mkdtempSync(join(tmpdir(), 'govchain-chromium-'))
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  })
  const page = context.pages()[0] ?? (await context.newPage())
  return {
    context,
    page,
    async close() {
      await context.close().catch(() => {})
      rmSync(profile, { recursive: true, force: true })
    },
  }
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true })
  const path = join(ARTIFACTS, `${name}.png`)
  await page.screenshot({ path, fullPage: false })
  return path
}
