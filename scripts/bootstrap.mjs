#!/usr/bin/env node
// Entry point of `npm test`, `npm run devnet`, … on a machine that has only Node 20 and npm:
// finds pnpm 10 (or installs it into .tools/), installs the workspace when the lockfile
// changed, then hands over to `pnpm run <script> …`.
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { delimiter, dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const PNPM_VERSION = '10.34.9'
const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const quiet = { cwd: root, stdio: 'inherit' }

function run(cmd, args, opts = quiet) {
  const r = spawnSync(cmd, args, opts)
  if (r.error) throw r.error
  return r.status ?? 1
}

function pnpmOnPath() {
  const r = spawnSync('pnpm', ['--version'], { cwd: root, encoding: 'utf8' })
  return r.status === 0 && r.stdout.trim().startsWith('10.') ? 'pnpm' : undefined
}

function localPnpm() {
  const bin = join(root, '.tools', 'node_modules', '.bin', 'pnpm')
  if (!existsSync(bin)) {
    console.error(`[bootstrap] installing pnpm@${PNPM_VERSION} into .tools/`)
    const status = run('npm', [
      'install',
      '--prefix',
      join(root, '.tools'),
      '--no-save',
      '--no-audit',
      '--no-fund',
      `pnpm@${PNPM_VERSION}`,
    ])
    if (status !== 0) process.exit(status)
  }
  return bin
}

const pnpm = pnpmOnPath() ?? localPnpm()
// Scripts call `pnpm run …` themselves: a pnpm installed into .tools/ must be on their PATH too.
if (pnpm !== 'pnpm') process.env.PATH = `${dirname(pnpm)}${delimiter}${process.env.PATH ?? ''}`
const lock = join(root, 'pnpm-lock.yaml')
const installed = join(root, 'node_modules', '.pnpm', 'lock.yaml')
const upToDate =
  existsSync(installed) && existsSync(lock) && readFileSync(installed, 'utf8') === readFileSync(lock, 'utf8')
if (!upToDate) {
  console.error('[bootstrap] pnpm install')
  const status = run(pnpm, ['install', existsSync(lock) ? '--frozen-lockfile' : '--no-frozen-lockfile'])
  if (status !== 0) process.exit(status)
}
const [, , ...args] = process.argv
// --silent: pnpm would otherwise echo each script line (twice: npm/pnpm script → this → script).
process.exit(run(pnpm, args.length > 0 ? ['--silent', ...args] : ['run', 'test:all']))
