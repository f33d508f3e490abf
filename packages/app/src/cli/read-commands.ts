/**
 * Reads and offline checks: `govchain query …` (records with proofs, transactions, blocks,
 * status, any application query) and `govchain verify FILE --genesis GENESIS`.
 */
import { existsSync, writeFileSync } from 'node:fs'
import { checkpointToJSON, jsonSafe, type Encodable } from '@govchain/ledger'
import type { Command } from 'commander'
import { disclosureFromJSON, verifyDisclosure } from '../commitments.js'
import {
  proofCheckpointFromJSON,
  proofTrustFromGenesis,
  verifyRecordProof,
  type VerifiedRecord,
} from '../client/index.js'
import {
  clientFor,
  CliError,
  CliErrorCode,
  ExitCode,
  exitCodeOf,
  intArg,
  parseJson,
  printError,
  printJson,
  readTextFile,
} from './common.js'

function writeOut(path: string, value: unknown, force: boolean): void {
  if (existsSync(path) && !force) throw new CliError(CliErrorCode.FILE, `${path} exists (use --force)`)
  try {
    writeFileSync(path, JSON.stringify(value, null, 2) + '\n')
  } catch (e) {
    throw new CliError(CliErrorCode.FILE, `cannot write ${path}: ${(e as Error).message}`)
  }
}

export function registerReadCommands(program: Command): void {
  const query = program.command('query').description('read from a node')
  query
    .command('record')
    .description('a record and its history; with --prove, a proof that `govchain verify` checks offline')
    .argument('<id>', 'record id')
    .option('--node <url>', 'node API URL (default $GOVCHAIN_NODE)')
    .option('--prove', 'ask for a proof', false)
    .option('--out <file>', 'write the answer (with its proof) to a file instead of stdout')
    .option('--force', 'overwrite --out', false)
    .action(async (id: string, o: { node?: string; prove: boolean; out?: string; force: boolean }) => {
      const answer = await clientFor(o).getRecord(id, { prove: o.prove })
      if (o.out === undefined) return printJson(answer)
      writeOut(o.out, answer, o.force)
      printJson({
        id,
        height: answer.height,
        status: answer.record.effectiveStatus,
        out: o.out,
        proof: o.prove,
      })
    })
  query
    .command('tx')
    .description("a transaction's status")
    .argument('<hash>', 'transaction hash')
    .option('--node <url>', 'node API URL (default $GOVCHAIN_NODE)')
    .action(async (hash: string, o: { node?: string }) => printJson(await clientFor(o).getTx(hash)))
  query
    .command('block')
    .description('a committed block (header, tx hashes, certificate)')
    .argument('[height]', 'height (default: latest)')
    .option('--node <url>', 'node API URL (default $GOVCHAIN_NODE)')
    .action(async (height: string | undefined, o: { node?: string }) =>
      printJson(await clientFor(o).getBlock(height === undefined ? 'latest' : intArg('height', 1)(height))),
    )
  query
    .command('status')
    .description("the node's status")
    .option('--node <url>', 'node API URL (default $GOVCHAIN_NODE)')
    .action(async (o: { node?: string }) => printJson(await clientFor(o).status()))
  query
    .command('app')
    .description('any application query: member, members, account, proposal, invoice, config, tx-types, …')
    .argument('<path>', 'query path')
    .argument('[params...]', 'parameters as name=value')
    .option('--node <url>', 'node API URL (default $GOVCHAIN_NODE)')
    .option('--prove', 'ask for a proof', false)
    .action(async (path: string, params: string[], o: { node?: string; prove: boolean }) => {
      const p: Record<string, string> = {}
      for (const kv of params) {
        const eq = kv.indexOf('=')
        if (eq <= 0)
          throw new CliError(CliErrorCode.USAGE, `query parameters are name=value, got ${kv.slice(0, 60)}`)
        p[kv.slice(0, eq)] = kv.slice(eq + 1)
      }
      printJson(await clientFor(o).query(path, p, { prove: o.prove }))
    })

  program
    .command('verify')
    .description(
      'verify a record proof offline against the genesis: prints valid / revoked / inactive / proven, or invalid with a code',
    )
    .argument('<file>', 'record answer with proof (`query record ID --prove --out FILE`)')
    .requiredOption('--genesis <file>', 'the genesis document (trust root)')
    .option(
      '--checkpoint <file>',
      'follow the proof from this trusted header (a --save-checkpoint file) instead of from the genesis',
    )
    .option('--save-checkpoint <file>', 'keep the proven header as a checkpoint for later proofs')
    .option('--force', 'overwrite --save-checkpoint', false)
    .option('--disclosure <file>', 'also check a disclosed field (JSON { recordId, field, value, salt })')
    .option('--json', 'print the verified record as JSON', false)
    .addHelpText(
      'after',
      '\nExit codes: 0 valid (or proven, for records that are not credentials) · 1 invalid proof\n' +
        '(code printed) · 2 bad input (file, genesis) · 3 proven revoked · 4 proven but not in force',
    )
    .action(
      (
        file: string,
        o: {
          genesis: string
          checkpoint?: string
          saveCheckpoint?: string
          force: boolean
          disclosure?: string
          json: boolean
        },
      ) => {
        const answer = parseJson(readTextFile(file, 'proof file'), 'proof file')
        const trust = proofTrustFromGenesis(parseJson(readTextFile(o.genesis, 'genesis'), 'genesis'))
        const checkpoint =
          o.checkpoint === undefined
            ? undefined
            : proofCheckpointFromJSON(parseJson(readTextFile(o.checkpoint, 'checkpoint'), 'checkpoint'))
        let verified: VerifiedRecord
        try {
          verified = verifyRecordProof(answer, checkpoint === undefined ? trust : { ...trust, checkpoint })
        } catch (e) {
          const code = exitCodeOf(e)
          if (code === ExitCode.usage) throw e
          process.stdout.write(`invalid\n`)
          printError(e)
          process.exitCode = ExitCode.failed
          return
        }
        let disclosed: string | undefined
        if (o.disclosure !== undefined) {
          const d = disclosureFromJSON(parseJson(readTextFile(o.disclosure, 'disclosure'), 'disclosure'))
          const r = verified.record as { id: string; fields?: Record<string, Uint8Array> }
          if (r.fields === undefined || !verifyDisclosure(d, { id: r.id, fields: r.fields })) {
            process.stdout.write('invalid\n')
            process.stderr.write(
              `govchain: PROOF_DISCLOSURE_MISMATCH: the disclosed ${d.field} does not open the proven record's commitment\n`,
            )
            process.exitCode = ExitCode.failed
            return
          }
          disclosed = `${d.field} = ${JSON.stringify(d.value)}`
        }
        if (o.saveCheckpoint !== undefined) {
          if (verified.checkpoint === null)
            throw new CliError(
              CliErrorCode.USAGE,
              'the validator set changes right after the proven height: no checkpoint to keep from this proof',
            )
          writeOut(o.saveCheckpoint, checkpointToJSON(verified.checkpoint), o.force)
        }
        if (o.json) {
          const { checkpoint: cp, ...rest } = verified
          printJson({
            ...(jsonSafe(rest as unknown as Encodable) as object),
            checkpoint: cp === null ? null : checkpointToJSON(cp),
          })
        } else {
          const r = verified.record
          process.stdout.write(
            `${verified.verdict}\n` +
              `  ${r.type} ${r.id} · status ${verified.effectiveStatus} · owner ${r.owner}\n` +
              `  proven at height ${verified.height} (block ${verified.blockHash}) of ${verified.chainId}, ` +
              `followed from ${checkpoint === undefined ? 'the genesis' : `the checkpoint at height ${checkpoint.height}`}\n` +
              `  history: ${verified.history.length} of ${r.historyLength} entries proven` +
              (disclosed === undefined ? '' : `\n  disclosed and matching: ${disclosed}`) +
              '\n',
          )
        }
        process.exitCode =
          verified.verdict === 'revoked'
            ? ExitCode.revoked
            : verified.verdict === 'inactive'
              ? ExitCode.inactive
              : ExitCode.ok
      },
    )
}
