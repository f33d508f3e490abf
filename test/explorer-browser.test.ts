/**
 * The block explorer in a real browser: a 4-process network running the government-services
 * application, headless Chromium (Debian `chromium`, driven by playwright-core) on node 0's
 * `GET /`. New blocks must appear live, a transaction page must show the committed status, a
 * record's proof must verify IN THE PAGE (valid / revoked), and tampered answers must be flagged
 * invalid. Screenshots go to artifacts/explorer/ (git-ignored; CI keeps them).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import {
  buildCertificateIssue,
  buildCertificateRevoke,
  buildGovPropose,
  buildGovVote,
  buildLicenceApply,
} from '@govchain/app'
import type { Cluster } from './helpers/cluster.js'
import { chromiumAvailable, openBrowser, screenshot, type Session } from './helpers/browser.js'
import { commitments, govTx, startGovCluster, submitAndWait } from './helpers/gov-cluster.js'

// CI installs chromium (.ci/run); a developer machine without it skips rather than fails.
const run = chromiumAvailable() || process.env.CI === 'true'

describe.skipIf(!run)('block explorer in headless Chromium', () => {
  let c: Cluster
  let browser: Session
  let page: Page
  const pageErrors: string[] = []
  let certTx = ''

  beforeAll(async () => {
    c = await startGovCluster(4)
    browser = await openBrowser()
    page = browser.page
    page.on('pageerror', (e) => pageErrors.push(String(e)))
    page.on('console', (m) => {
      if (m.type() === 'error') pageErrors.push(m.text())
    })
  })

  afterAll(async () => {
    await browser?.close()
    await c?.cleanup()
  })

  const open = async (route: string) => {
    await page.evaluate((r) => (location.hash = r), route)
  }
  const text = (selector: string) => page.locator(selector).first().innerText()

  it('shows new blocks live on the blocks page, without reloading', async () => {
    await page.goto(`${c.api(0)}/#/blocks`)
    await page.locator('#blocks-body tr').first().waitFor()
    const first = Number(await page.locator('#blocks-body tr').first().getAttribute('data-height'))
    // A marker that a reload would erase.
    await page.evaluate(() => ((window as unknown as { marker: number }).marker = 42))
    // Transactions make blocks come faster than the idle interval.
    certTx = (
      await submitAndWait(
        c,
        1,
        govTx(
          c,
          'registry-officer',
          buildCertificateIssue({
            recordId: 'CERT-1',
            kind: 'residence',
            fields: commitments('CERT-1', { fullName: 'Ada Lovelace', address: '12 Main Street' }),
          }),
        ),
      )
    ).hash
    await page.waitForFunction(
      (h) => Number(document.querySelector('#blocks-body tr')?.getAttribute('data-height')) >= h + 2,
      first,
      { timeout: 30_000 },
    )
    const newest = Number(await page.locator('#blocks-body tr').first().getAttribute('data-height'))
    expect(newest).toBeGreaterThanOrEqual(first + 2)
    expect(await page.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(42)
    expect(await text('#live')).toMatch(/live/)
    await screenshot(page, '01-blocks-live')
  })

  it('a transaction page shows the committed status, type and sender organisation', async () => {
    // Submitted to node 0 and opened at once: the page follows it from pending to committed.
    const apply = govTx(
      c,
      'licensing-officer',
      buildLicenceApply({
        recordId: 'LIC-1',
        agency: 'city-licensing',
        kind: 'food-premises-permit',
        fields: commitments('LIC-1', { applicant: 'Grace Hopper' }),
      }),
    )
    const r = await c.submit(0, apply)
    expect(r.status).toBe(202)
    await open(`#/txs/${r.body.hash}`)
    await page.locator('#tx-status[data-status="committed"]').waitFor({ timeout: 30_000 })
    expect(await text('#tx-type')).toBe('licence.apply')
    await page.waitForFunction(() =>
      /city-licensing/.test(document.querySelector('#tx-org')?.textContent ?? ''),
    )
    await screenshot(page, '02-tx-committed')

    // The certificate from the first test, committed through node 1, seen from node 0.
    await open(`#/txs/${certTx}`)
    await page.locator('#tx-status[data-status="committed"]').waitFor()
    expect(await text('#tx-type')).toBe('certificate.issue')
    await page.waitForFunction(() =>
      /civil-registry/.test(document.querySelector('#tx-org')?.textContent ?? ''),
    )
  })

  it("a record's proof verifies in the page: valid, and revoked after revocation", async () => {
    await open('#/records/CERT-1')
    await page.locator('#verdict[data-verdict]').waitFor({ timeout: 20_000 })
    expect(await page.locator('#verdict').getAttribute('data-verdict')).toBe('valid')
    expect(await text('#verdict')).toMatch(/VALID/)
    // Personal fields only as commitments: the names are nowhere on the page.
    const commitmentCells = await page.locator('#commitments td code').allInnerTexts()
    expect(commitmentCells).toHaveLength(2)
    for (const cell of commitmentCells) expect(cell).toMatch(/^[0-9a-f]{64}$/)
    expect(await page.locator('body').innerText()).not.toMatch(/Ada Lovelace|12 Main Street/)
    await screenshot(page, '03-record-valid')

    await submitAndWait(
      c,
      0,
      govTx(c, 'registry-officer', buildCertificateRevoke({ recordId: 'CERT-1', reason: 'moved-away' })),
    )
    await page.reload()
    await page.locator('#verdict[data-verdict]').waitFor({ timeout: 20_000 })
    expect(await page.locator('#verdict').getAttribute('data-verdict')).toBe('revoked')
    expect(await text('#verdict')).toMatch(/REVOKED/)
    expect(await page.locator('#history-table tbody tr').count()).toBe(2)
    await screenshot(page, '04-record-revoked')
  })

  it('a tampered answer is flagged invalid in the page (sibling, header, certificate, record)', async () => {
    const original = await page.locator('#proof-json').inputValue()
    const verify = async (json: string) => {
      await page.locator('#proof-json').fill(json)
      await page.locator('#check-verdict').evaluate((el) => el.removeAttribute('data-verdict'))
      await page.locator('#verify-json').click()
      await page.locator('#check-verdict[data-verdict]').waitFor()
      return page.locator('#check-verdict').getAttribute('data-verdict')
    }
    // Untouched, the pasted answer verifies like the node's.
    expect(await verify(original)).toBe('revoked')

    const flip = (hex: string, at: number) =>
      hex.slice(0, at) + (hex[at] === '0' ? '1' : '0') + hex.slice(at + 1)
    type Answer = {
      record: { record: { status: string } }
      proof: { header: string; certificate: string; entries: { proof: { siblings: string[] } }[] }
    }
    const tamperings: [string, (a: Answer) => void][] = [
      [
        'sibling',
        (a) => (a.proof.entries[0]!.proof.siblings[0] = flip(a.proof.entries[0]!.proof.siblings[0]!, 20)),
      ],
      ['header', (a) => (a.proof.header = flip(a.proof.header, a.proof.header.length - 80))],
      [
        'certificate',
        (a) => (a.proof.certificate = flip(a.proof.certificate, a.proof.certificate.length - 10)),
      ],
      ['record', (a) => (a.record.record.status = 'valid')],
    ]
    for (const [what, tamper] of tamperings) {
      const a = JSON.parse(original) as Answer
      tamper(a)
      expect({ what, verdict: await verify(JSON.stringify(a)) }).toEqual({ what, verdict: 'invalid' })
    }
    expect(await text('#check-verdict')).toMatch(/INVALID/)
    await page.locator('#check-verdict').scrollIntoViewIfNeeded()
    await screenshot(page, '05-record-tampered')
  })

  it('the network view shows validators, their signatures, peers and live charts', async () => {
    await open('#/')
    await page.locator('#height').waitFor()
    expect(Number(await text('#height'))).toBeGreaterThan(2)
    expect(await page.locator('table.validators tbody tr').count()).toBe(4)
    expect(await page.locator('#peers tbody tr').count()).toBe(3)
    await page.waitForFunction(
      () => (document.querySelector('#chart-blocks path.line')?.getAttribute('d') ?? '') !== '',
    )
    expect(await page.locator('#chart-blocks svg').getAttribute('aria-label')).toMatch(/Blocks per second/)
    expect(await page.locator('.sig.yes').count()).toBeGreaterThan(0)
    await screenshot(page, '06-network')
  })

  it('the governance view shows an open proposal and its votes', async () => {
    const deadlineHeight = (await c.height(0)) + 500
    await submitAndWait(
      c,
      0,
      govTx(
        c,
        'licensing-admin',
        buildGovPropose({
          recordId: 'PROP-1',
          action: { type: 'set-member-roles', memberId: 'auditor', roles: ['auditor'] },
          deadlineHeight,
        }),
      ),
    )
    await submitAndWait(c, 0, govTx(c, 'registry-admin', buildGovVote({ recordId: 'PROP-1', vote: 'yes' })))
    await open('#/governance')
    const proposal = page.locator('article[data-proposal="PROP-1"]')
    await proposal.waitFor({ timeout: 20_000 })
    expect(await proposal.locator('.tally').innerText()).toMatch(/^1 yes, 0 no, 6 not voted of 7/)
    expect(await proposal.locator('.vote.yes').count()).toBe(1)
    await screenshot(page, '07-governance')
  })

  it('a block page lists header, certificate signers and transactions', async () => {
    const tx = await c.get(0, `/v1/txs/${certTx}`)
    await open(`#/blocks/${tx.body.height}`)
    await page.locator('#block-txs').waitFor()
    expect(await page.locator('#signers tbody tr').count()).toBeGreaterThanOrEqual(3)
    expect(await page.locator(`#block-txs a[href="#/txs/${certTx}"]`).count()).toBe(1)
    await screenshot(page, '08-block')
    expect(pageErrors).toEqual([])
  })
})
