/**
 * One benchmark case (a block size on a state size), run in its own process so that its peak
 * memory is its own: warm-up, cold rounds (empty signature cache), warm rounds (every signature
 * verified beforehand, as at mempool admission), then the same signatures alone with each
 * verifier (the raw limit) and with @noble/curves; after the rounds, the block's database writes
 * alone (the storage floor, storage-floor.ts).
 *
 * A round validates the block exactly as a node does, from its bytes: decode, Chain.validateBlock
 * (header, tx hashes and Merkle root, certificate, evidence, signatures as one batch on the
 * verifier's threads, execution, state root), then Chain.commitBlock (one synced LevelDB batch).
 * Each round works on a fresh clone of the cached state, so every round validates the same
 * block against the same state. Between rounds, outside the timing, garbage is collected and the
 * process given the time to return what it freed (`settleMemory`), so a round's peak memory is its
 * own plus what the process still holds.
 */
import { availableParallelism } from 'node:os'
import { join } from 'node:path'
import { fullCollection } from '@govchain/network/large-block-collection'
import {
  createBlockFromBytes,
  SignatureCache,
  signedItemsOf,
  verifyTxSignatures,
  WorkerPoolVerifier,
  type KvStore,
  type SignatureBatchVerifier,
  type SignedItem,
  type ValidationPhase,
} from '@govchain/ledger'
import {
  ensureBlockFixture,
  ensureStateFixture,
  openStateClone,
  openStoreClone,
  type BlockFixture,
  type StateFixture,
} from './fixture.js'
import { cpuBudget } from './cpu-budget.js'
import { loadAverage, median } from './machine.js'
import { PeakRssMeter, settleMemory, type AnonPeakProbe } from './peak-rss.js'
import { noblePerSecond, timeVerification, verifierByName } from './raw-limit.js'
import { recordingStore, replayWrites, type RecordedWrite, type StorageFloor } from './storage-floor.js'
import { PHASES, type CaseResult, type PhaseTimes, type RunFigures, type VerifierName } from './types.js'

export type CaseInput = {
  readonly dir: string
  readonly stateKeys: number
  readonly senders: number
  readonly seed: number
  readonly txs: number
  readonly rounds: number
  readonly warmup: number
  readonly verifier: VerifierName
  readonly nobleSample: number
}

export type CaseProgress = { readonly done: number; readonly total: number; readonly step: string }

type Round = {
  phases: PhaseTimes
  batchMs: number
  totalMs: number
  cpuMs: number
  peakRssMb: number
  peakAnonRssMb: number | undefined
}

async function validationRound(
  fixture: StateFixture,
  block: BlockFixture,
  verifier: SignatureBatchVerifier,
  warm: boolean,
  work: string,
  memory: PeakRssMeter,
  wrapStore?: (store: KvStore) => KvStore,
): Promise<Round> {
  const signatureCache = new SignatureCache(Math.max(200_000, 2 * block.txs))
  const { chain, close } = await openStateClone(fixture, work, { verifier, signatureCache, wrapStore })
  try {
    if (warm) {
      // What mempool admission did for these transactions: their signatures are in the cache.
      await verifyTxSignatures(createBlockFromBytes(block.bytes, chain.params).txs, verifier, signatureCache)
    }
    await settleMemory(fullCollection)
    await memory.startStretch()
    const times: Record<string, number> = {}
    let batchMs = 0
    const cpu = process.cpuUsage()
    const started = performance.now()
    const decoded = createBlockFromBytes(block.bytes, chain.params)
    times.decode = performance.now() - started
    const executed = await chain.validateBlock(decoded, {
      nowMs: decoded.header.timeMs,
      round: decoded.header.round,
      onPhase: (phase: ValidationPhase, ms: number) => {
        if (phase === 'signatureBatch') batchMs = ms
        else times[phase] = ms
      },
    })
    const persistStart = performance.now()
    await chain.commitBlock(executed, block.certificate)
    const end = performance.now()
    times.persist = end - persistStart
    const used = process.cpuUsage(cpu)
    const peakRssMb = memory.stretchPeakMb()
    const peakAnonRssMb = await memory.stretchAnonPeakMb()
    const phases = Object.fromEntries(PHASES.map((p) => [p, times[p] ?? 0])) as PhaseTimes
    const cpuMs = (used.user + used.system) / 1000
    return { phases, batchMs, totalMs: end - started, cpuMs, peakRssMb, peakAnonRssMb }
  } finally {
    await close()
  }
}

function figures(rounds: readonly Round[], txs: number, rawLimitPerSecond: number): RunFigures {
  const totalMs = median(rounds.map((r) => r.totalMs))
  const txsPerSecond = (txs / totalMs) * 1000
  return {
    totalMs,
    txsPerSecond,
    ratioToRawLimit: txsPerSecond / rawLimitPerSecond,
    phases: Object.fromEntries(PHASES.map((p) => [p, median(rounds.map((r) => r.phases[p]))])) as PhaseTimes,
    signatureBatchMs: median(rounds.map((r) => r.batchMs)),
    cpuMs: median(rounds.map((r) => r.cpuMs)),
    roundsMs: rounds.map((r) => r.totalMs),
    peakRssMb: Math.max(...rounds.map((r) => r.peakRssMb)),
    ...maxOf(
      'peakAnonRssMb',
      rounds.map((r) => r.peakAnonRssMb),
    ),
  }
}

/**
 * The block's storage floor (storage-floor.ts): one more validation records its writes, then each
 * of `rounds` fresh clones takes them alone. After the measured rounds, so that the recorded
 * writes are not held through them (they would count in their peak memory).
 */
async function storageFloor(
  fixture: StateFixture,
  block: BlockFixture,
  verifier: SignatureBatchVerifier,
  work: string,
  memory: PeakRssMeter,
  rounds: number,
  onReplay: () => void,
): Promise<StorageFloor> {
  let recorded: RecordedWrite[] = []
  await validationRound(fixture, block, verifier, true, work, memory, (store) => {
    const recording = recordingStore(store)
    recorded = recording.recorded
    return recording.store
  })
  const replays: StorageFloor[] = []
  for (let i = 0; i < rounds; i++) {
    const { store, close } = await openStoreClone(fixture, `${work}-floor`)
    try {
      await fullCollection()
      replays.push(await replayWrites(store, recorded))
    } finally {
      await close()
    }
    onReplay()
  }
  return {
    ...replays[0]!,
    cpuMs: median(replays.map((r) => r.cpuMs)),
    wallMs: median(replays.map((r) => r.wallMs)),
  }
}

/** `{ [name]: the largest }`, or nothing if any value is missing. */
function maxOf<K extends string>(name: K, values: readonly (number | undefined)[]): { [k in K]?: number } {
  if (values.length === 0 || values.some((v) => v === undefined)) return {}
  return { [name]: Math.max(...(values as number[])) } as { [k in K]?: number }
}

export async function runCase(
  input: CaseInput,
  onProgress: (p: CaseProgress) => void = () => {},
  anon?: AnonPeakProbe,
): Promise<CaseResult> {
  const fixture = await ensureStateFixture({
    root: input.dir,
    keys: input.stateKeys,
    senders: input.senders,
    seed: input.seed,
  })
  const work = join(input.dir, `work-${process.pid}`)
  const block = await ensureBlockFixture({ fixture, txs: input.txs, seed: input.seed + 1, work })
  const memory = new PeakRssMeter(anon)
  const pool = new WorkerPoolVerifier()
  pool.warmUp()
  const verifier = verifierByName(input.verifier, pool)
  const verifierNames: VerifierName[] = ['pool', 'libuv', 'single']
  const total = input.warmup + (3 + verifierNames.length) * input.rounds + 1
  let done = 0
  const step = (name: string) => onProgress({ done: ++done, total, step: name })
  try {
    // The signed items of the block, decoded afresh for each use rather than kept: a second
    // decoded copy of the block held through the validation rounds would count in their peak
    // memory, and a validating node holds no such thing.
    // Cut as the validating node cuts them (one buffer of signed bytes): one array per
    // transaction would leave tens of thousands of small allocations behind in malloc's heap
    // between the rounds.
    const signedItems = (): SignedItem[] => signedItemsOf(createBlockFromBytes(block.bytes).txs)
    const itemCount = createBlockFromBytes(block.bytes).txs.length
    const rawRound = async (name: VerifierName): Promise<number> => {
      const items = signedItems()
      await fullCollection()
      return timeVerification(verifierByName(name, pool), items)
    }
    for (let i = 0; i < input.warmup; i++) {
      await validationRound(fixture, block, verifier, false, work, memory)
      const sample = signedItems().slice(0, 500)
      for (const name of verifierNames) await timeVerification(verifierByName(name, pool), sample)
      step('warm-up')
    }
    // Each round measures everything once — cold, warm, then the signatures alone with every
    // verifier — so that on a shared machine the figures a ratio compares come from the same
    // stretch of time.
    const cold: Round[] = []
    const warm: Round[] = []
    const rawMs = Object.fromEntries(verifierNames.map((n) => [n, [] as number[]])) as Record<
      VerifierName,
      number[]
    >
    for (let i = 0; i < input.rounds; i++) {
      cold.push(await validationRound(fixture, block, verifier, false, work, memory))
      step('cold')
      warm.push(await validationRound(fixture, block, verifier, true, work, memory))
      step('warm')
      for (const name of verifierNames) {
        rawMs[name].push(await rawRound(name))
        step(`raw ${name}`)
      }
    }
    const rates = Object.fromEntries(
      verifierNames.map((n) => [n, (itemCount / median(rawMs[n])) * 1000]),
    ) as Record<VerifierName, number>
    const rawLimitVerifier = (['pool', 'libuv'] as const).reduce((a, b) => (rates[b] > rates[a] ? b : a))
    const rawLimitPerSecond = rates[rawLimitVerifier]
    const floor = await storageFloor(fixture, block, verifier, work, memory, input.rounds, () =>
      step('storage floor'),
    )
    const sample = signedItems().slice(0, input.nobleSample)
    const noble = await noblePerSecond(sample)
    step('noble')

    const coldFigures = figures(cold, input.txs, rawLimitPerSecond)
    const warmFigures = figures(warm, input.txs, rawLimitPerSecond)
    return {
      txs: input.txs,
      stateKeys: fixture.stateKeys,
      blockBytes: block.bytes.length,
      cold: coldFigures,
      warm: warmFigures,
      txsPerSecond: coldFigures.txsPerSecond,
      rawLimitPerSecond,
      ratioToRawLimit: coldFigures.ratioToRawLimit,
      phases: coldFigures.phases,
      verifiers: rates,
      rawLimitVerifier,
      noblePerSecond: noble,
      nobleSample: sample.length,
      peakRssMb: Math.max(coldFigures.peakRssMb, warmFigures.peakRssMb),
      ...maxOf('peakAnonRssMb', [coldFigures.peakAnonRssMb, warmFigures.peakAnonRssMb]),
      cpu: cpuBudget({
        cores: availableParallelism(),
        txs: input.txs,
        warmCpuMs: warmFigures.cpuMs,
        coldCpuMs: coldFigures.cpuMs,
        storageCpuMs: floor.cpuMs,
        singleThreadPerSecond: rates.single,
        rawLimitPerSecond,
      }),
      storage: floor,
      processPeakRssMb: memory.processPeakMb(),
      loadAverage: loadAverage(),
    }
  } finally {
    await pool.close()
  }
}
