/**
 * The workspace's sources compiled to JavaScript, for the node processes the project starts
 * (devnet and e2e nodes, bench cases).
 *
 * Through tsx, a process carries its loader: on Node 20 the loader hooks run in a thread of
 * their own, with its own V8 heap, ~36 MB of RSS per process before any of our code runs. A
 * node as deployed runs JavaScript; so do these processes. Each `packages/<p>/src/**` file is
 * compiled by esbuild (one file to one file, no bundling, ~0.2 s for the workspace) to
 * `packages/<p>/dist/**`, and the processes run with the `govchain-compiled` export condition,
 * under which the packages' `exports` and `imports` (package.json) point into `dist`. Without it
 * (tsx, vitest, tsc) they point at the sources, as before.
 *
 * Compiling happens once per process, right before the first compiled process is started, so
 * `dist` never runs older code than `src`. A file is rewritten only when its output changed, by
 * a rename, so processes compiling at once (e2e files in parallel) never read a partial file.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { dirname, join, relative, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import { buildSync, type BuildResult } from 'esbuild'
import { CompileError, CompileErrorCode } from './errors.js'

/** The export condition under which the workspace packages resolve to their compiled files. */
export const COMPILED_CONDITION = 'govchain-compiled'

/** Node options of a process that runs compiled files. */
export const COMPILED_EXEC_ARGV: readonly string[] = [`--conditions=${COMPILED_CONDITION}`]

const PACKAGES_DIR = fileURLToPath(new URL('../../', import.meta.url))

/** `packages/<p>/src/<rest>.ts` (or its `dist` twin) → `packages/<p>/dist/<rest>.js`. */
export function compiledPath(file: string | URL): string {
  const path = typeof file === 'string' ? file : fileURLToPath(file)
  const m = /^(.*[\\/]packages[\\/][^\\/]+[\\/])(?:src|dist)([\\/].*?)(?:\.ts|\.js)?$/.exec(path)
  if (m === null)
    throw new CompileError(CompileErrorCode.NOT_IN_PACKAGE, `not a file of a workspace package: ${path}`)
  return `${m[1]}dist${m[2]}.js`
}

/** `packages/<p>/dist/<rest>.js` → `packages/<p>/src/<rest>.ts`; any other path unchanged. */
export function sourcePath(file: string | URL): string {
  const path = typeof file === 'string' ? file : fileURLToPath(file)
  const m = /^(.*[\\/]packages[\\/][^\\/]+[\\/])dist([\\/].*)$/.exec(path)
  if (m === null) return path
  const rest = m[2]!.endsWith('.js') ? `${m[2]!.slice(0, -3)}.ts` : m[2]!
  return existsSync(`${m[1]}src${rest}`) ? `${m[1]}src${rest}` : `${m[1]}src${m[2]}`
}

function sourceFiles(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) sourceFiles(path, out)
    else if (/\.(ts|js)$/.test(entry.name) && !entry.name.endsWith('.d.ts')) out.push(path)
  }
  return out
}

/** Writes `bytes` to `path` unless it already holds them; atomically (write + rename). */
function writeIfChanged(path: string, bytes: Uint8Array): void {
  if (existsSync(path) && Buffer.compare(readFileSync(path), bytes) === 0) return
  mkdirSync(dirname(path), { recursive: true })
  const temporary = `${path}.${process.pid}.tmp`
  writeFileSync(temporary, bytes)
  renameSync(temporary, path)
}

/** Compiles every package's `src` under `packagesDir` into its `dist`. */
export function compilePackages(packagesDir: string): void {
  try {
    for (const name of readdirSync(packagesDir)) compilePackage(join(packagesDir, name))
  } catch (e) {
    if (e instanceof CompileError) throw e
    // E.g. a checkout the user cannot write to.
    throw new CompileError(CompileErrorCode.FAILED, `writing under ${packagesDir}: ${(e as Error).message}`)
  }
}

function compilePackage(packageDir: string): void {
  const src = join(packageDir, 'src')
  if (!existsSync(src)) return
  const files = sourceFiles(src)
  const dist = join(packageDir, 'dist')
  let result: BuildResult<{ write: false }>
  try {
    result = buildSync({
      entryPoints: files.filter((f) => f.endsWith('.ts')),
      outbase: src,
      outdir: dist,
      bundle: false,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      sourcemap: 'linked',
      write: false,
      logLevel: 'silent',
    })
  } catch (e) {
    throw new CompileError(CompileErrorCode.FAILED, `compiling ${src}: ${(e as Error).message}`)
  }
  for (const out of result.outputFiles) writeIfChanged(out.path, out.contents)
  // Plain JavaScript sources (the verify worker) are copied as they are.
  for (const file of files.filter((f) => f.endsWith('.js')))
    writeIfChanged(join(dist, relative(src, file).split(sep).join('/')), readFileSync(file))
}

let compiled = false

/** Compiles the workspace (once per process; later calls return at once). */
export function compileWorkspace(): void {
  if (compiled) return
  compilePackages(PACKAGES_DIR)
  compiled = true
}

/**
 * How to run `entry` (a workspace source file, or its compiled twin) compiled: the node options
 * (`--conditions=govchain-compiled`) and the compiled file. Compiles the workspace first.
 */
export function compiledEntry(entry: string | URL): {
  readonly execArgv: readonly string[]
  readonly path: string
} {
  compileWorkspace()
  return { execArgv: COMPILED_EXEC_ARGV, path: compiledPath(entry) }
}
