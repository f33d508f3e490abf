import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import {
  COMPILED_CONDITION,
  compiledEntry,
  compiledPath,
  compilePackages,
  sourcePath,
} from '../../src/compiled-sources.js'
import { nodeCommand } from '../../src/devnet.js'
import { CompileErrorCode } from '../../src/errors.js'

describe('compiledPath / sourcePath', () => {
  it.each([
    ['/w/packages/ledger/src/index.ts', '/w/packages/ledger/dist/index.js'],
    ['/w/packages/app/src/bench/case-child.ts', '/w/packages/app/dist/bench/case-child.js'],
    ['/w/packages/ledger/src/crypto/verify-worker.js', '/w/packages/ledger/dist/crypto/verify-worker.js'],
    ['/w/packages/app/dist/cli/bin.js', '/w/packages/app/dist/cli/bin.js'],
  ])('%s → %s', (source, compiled) => {
    expect(compiledPath(source)).toBe(compiled)
  })

  it('refuses a path outside a workspace package', () => {
    expect(() => compiledPath('/w/scripts/devnet.ts')).toThrow(
      expect.objectContaining({ code: CompileErrorCode.NOT_IN_PACKAGE }),
    )
  })

  it('maps a compiled module back to its TypeScript source, and leaves other paths', () => {
    const explorer = new URL('../../src/explorer/page.ts', import.meta.url).pathname
    expect(sourcePath(compiledPath(explorer))).toBe(explorer)
    const css = new URL('../../src/explorer/assets/explorer.css', import.meta.url).pathname
    expect(sourcePath(css.replace('/src/', '/dist/'))).toBe(css)
    expect(sourcePath('/etc/hosts')).toBe('/etc/hosts')
  })
})

describe('compilePackages', () => {
  const root = mkdtempSync(join(tmpdir(), 'govchain-compile-'))
  afterAll(() => rmSync(root, { recursive: true, force: true }))

  const write = (path: string, text: string) => {
    mkdirSync(join(root, path, '..'), { recursive: true })
    writeFileSync(join(root, path), text)
  }

  it('compiles each package src to dist, copies plain JavaScript, and the result runs', () => {
    write('packages/a/src/index.ts', "import { twice } from './lib/twice.js'\nconsole.log(twice(21))\n")
    write('packages/a/src/lib/twice.ts', 'export const twice = (n: number): number => n * 2\n')
    write('packages/a/src/worker.js', 'export const plain = 1\n')
    write('packages/a/src/types.d.ts', 'export type T = number\n')
    write('packages/b/README.md', 'no src here\n')
    compilePackages(join(root, 'packages'))
    expect(readFileSync(join(root, 'packages/a/dist/worker.js'), 'utf8')).toBe('export const plain = 1\n')
    expect(() => statSync(join(root, 'packages/a/dist/types.d.js'))).toThrow()
    const run = spawnSync(process.execPath, [join(root, 'packages/a/dist/index.js')], { encoding: 'utf8' })
    expect(run.stdout.trim()).toBe('42')
  })

  it('rewrites only files whose output changed', () => {
    const index = join(root, 'packages/a/dist/index.js')
    const lib = join(root, 'packages/a/dist/lib/twice.js')
    const before = { index: statSync(index).mtimeMs, lib: statSync(lib).mtimeMs }
    write('packages/a/src/lib/twice.ts', 'export const twice = (n: number): number => n + n\n')
    compilePackages(join(root, 'packages'))
    expect(statSync(index).mtimeMs).toBe(before.index)
    expect(readFileSync(lib, 'utf8')).toContain('n + n')
  })

  it('reports an output that cannot be written as COMPILE_FAILED', () => {
    write('packages/c/src/index.ts', 'export const c = 1\n')
    write('packages/c/dist', 'a file where the directory should be\n')
    expect(() => compilePackages(join(root, 'packages'))).toThrow(
      expect.objectContaining({
        code: CompileErrorCode.FAILED,
        message: expect.stringContaining('writing under'),
      }),
    )
    rmSync(join(root, 'packages/c'), { recursive: true })
  })

  it('reports a source that does not compile as COMPILE_FAILED', () => {
    write('packages/a/src/broken.ts', 'export const x = (\n')
    expect(() => compilePackages(join(root, 'packages'))).toThrow(
      expect.objectContaining({
        code: CompileErrorCode.FAILED,
        message: expect.stringContaining('broken.ts'),
      }),
    )
  })
})

describe('the devnet runs its nodes compiled', () => {
  it('nodeCommand runs the compiled entry under the compiled condition', () => {
    const { args } = nodeCommand('/tmp/home')
    const compiled = compiledEntry(new URL('../../src/bin/node.ts', import.meta.url))
    expect(args.slice(0, 2)).toEqual([...compiled.execArgv, compiled.path])
    expect(args[0]).toBe(`--conditions=${COMPILED_CONDITION}`)
    expect(statSync(args[1]!).isFile()).toBe(true)
    expect(args).not.toContain('tsx')
  })

  it('the compiled packages resolve to dist under the condition, to src without it', () => {
    const script = "console.log(import.meta.resolve('@govchain/ledger'))"
    const resolved = (conditions: string[]) =>
      spawnSync(process.execPath, [...conditions, '--input-type=module', '-e', script], {
        cwd: new URL('../..', import.meta.url).pathname,
        encoding: 'utf8',
      }).stdout.trim()
    expect(resolved([`--conditions=${COMPILED_CONDITION}`])).toMatch(/packages\/ledger\/dist\/index\.js$/)
    expect(resolved([])).toMatch(/packages\/ledger\/src\/index\.ts$/)
  })
})
