/**
 * `createGovApplication()`: the government-services Application run by every member node.
 *
 * deliverTx: decode the payload strictly (APP_BAD_PAYLOAD / APP_PAYLOAD_TOO_LARGE /
 * APP_UNKNOWN_TX_TYPE) → authorise the sender (permissions.ts layer 1) → the type's state
 * transition (record-level rules, writes, history, events). Any failure throws an AppError and
 * the ledger discards the transaction's writes. Execution reads only the state, the transaction
 * and the consensus-agreed BlockContext (height, timeMs): never the wall clock or randomness.
 *
 * checkTx runs the same code against the latest committed state on a scratch overlay that is
 * thrown away (mode `full`, the default), so clients get the final verdict — 403 / 409 / 422 —
 * at submission; a transaction that depends on another one not yet committed (e.g. approving a
 * licence applied for in the same block) is refused there and should be sent after the first
 * commits. Mode `authorize` checks only the payload and the sender's permissions.
 *
 * endBlock expires proposals at their deadline and reports validator / member changes ordered by
 * executed governance proposals during the block.
 */
import {
  byteString,
  type Application,
  type BlockContext,
  type EndBlockResult,
  type Genesis,
  type Receipt,
  type StateReader,
  type StateWriter,
  type Transaction,
} from '@govchain/ledger'
import { initAppGenesis } from './app-genesis.js'
import {
  accountRegister,
  accountRevoke,
  accountRotateKey,
  accountSetRoles,
  agencyDefineKind,
} from './domains/accounts.js'
import { auditNote, recordErase } from './domains/audit.js'
import { certificateAmend, certificateIssue, certificateRevoke } from './domains/certificates.js'
import {
  authorize,
  type AppEvent,
  type ChangeContext,
  type ExecContext,
  type Handler,
} from './domains/context.js'
import { activeMembers, expireProposals, govPropose, govVote } from './domains/governance.js'
import { invoiceCancel, invoiceFinance, invoiceRegister, invoiceSettle } from './domains/invoices.js'
import {
  licenceApply,
  licenceApprove,
  licenceIssue,
  licenceReinstate,
  licenceReject,
  licenceRevoke,
  licenceSuspend,
} from './domains/licences.js'
import { loanApply, loanApprove, loanClose, loanDisburse, loanReject, loanRepay } from './domains/loans.js'
import {
  subsidyCreateProgramme,
  subsidyDisburse,
  subsidyGrant,
  subsidyRegisterBeneficiary,
} from './domains/subsidies.js'
import { AppError, AppErrorCode } from './errors.js'
import { decodePayload } from './payloads/index.js'
import { runQuery } from './queries.js'
import { clearPending, getPending, getValidators } from './store.js'
import { isTxType, TxType } from './tx-types.js'

export const APPLICATION_NAME = 'govchain-services'

const HANDLERS: { readonly [T in TxType]: Handler<T> } = {
  [TxType.accountRegister]: accountRegister,
  [TxType.accountRotateKey]: accountRotateKey,
  [TxType.accountRevoke]: accountRevoke,
  [TxType.accountSetRoles]: accountSetRoles,
  [TxType.agencyDefineKind]: agencyDefineKind,
  [TxType.licenceApply]: licenceApply,
  [TxType.licenceApprove]: licenceApprove,
  [TxType.licenceReject]: licenceReject,
  [TxType.licenceIssue]: licenceIssue,
  [TxType.licenceSuspend]: licenceSuspend,
  [TxType.licenceReinstate]: licenceReinstate,
  [TxType.licenceRevoke]: licenceRevoke,
  [TxType.certificateIssue]: certificateIssue,
  [TxType.certificateAmend]: certificateAmend,
  [TxType.certificateRevoke]: certificateRevoke,
  [TxType.invoiceRegister]: invoiceRegister,
  [TxType.invoiceFinance]: invoiceFinance,
  [TxType.invoiceSettle]: invoiceSettle,
  [TxType.invoiceCancel]: invoiceCancel,
  [TxType.loanApply]: loanApply,
  [TxType.loanApprove]: loanApprove,
  [TxType.loanReject]: loanReject,
  [TxType.loanDisburse]: loanDisburse,
  [TxType.loanRepay]: loanRepay,
  [TxType.loanClose]: loanClose,
  [TxType.subsidyCreateProgramme]: subsidyCreateProgramme,
  [TxType.subsidyRegisterBeneficiary]: subsidyRegisterBeneficiary,
  [TxType.subsidyGrant]: subsidyGrant,
  [TxType.subsidyDisburse]: subsidyDisburse,
  [TxType.recordErase]: recordErase,
  [TxType.auditNote]: auditNote,
  [TxType.govPropose]: govPropose,
  [TxType.govVote]: govVote,
}

export type GovApplicationOptions = {
  /** `full` (default): run the whole transition on a scratch copy; `authorize`: payload and permissions only. */
  readonly checkTx?: 'full' | 'authorize'
}

type TxInput = Pick<Transaction, 'type' | 'payload' | 'sender'> & { hash(): Uint8Array }

/** Decodes, authorises and executes one transaction against `state`. */
async function execute(
  tx: TxInput,
  block: { readonly height: number; readonly timeMs: number },
  state: StateWriter,
  mode: 'full' | 'authorize',
): Promise<Receipt> {
  if (!isTxType(tx.type)) {
    throw new AppError(AppErrorCode.UNKNOWN_TX_TYPE, `unknown transaction type ${tx.type.slice(0, 64)}`)
  }
  const type: TxType = tx.type
  const payload = decodePayload(type, tx.payload)
  const authorized = authorize(state, tx.sender, type)
  const actor = authorized instanceof Promise ? await authorized : authorized
  if (mode === 'authorize') return { events: [] }
  const events: AppEvent[] = []
  const ctx: ExecContext = {
    state,
    height: block.height,
    timeMs: block.timeMs,
    action: type,
    type,
    actor,
    txHash: tx.hash(),
    events,
  }
  const data = await (HANDLERS[type] as Handler<TxType>)(ctx, payload)
  return { events, data }
}

/** A throw-away writable view over a read-only state (for checkTx). */
class ScratchState implements StateWriter {
  readonly #base: StateReader
  readonly #writes = new Map<string, Uint8Array | null>()

  constructor(base: StateReader) {
    this.#base = base
  }

  async get(key: Uint8Array): Promise<Uint8Array | undefined> {
    const k = byteString(key)
    if (this.#writes.has(k)) return this.#writes.get(k) ?? undefined
    return this.#base.get(key)
  }

  set(key: Uint8Array, value: Uint8Array): void {
    this.#writes.set(byteString(key), value)
  }

  delete(key: Uint8Array): void {
    this.#writes.set(byteString(key), null)
  }
}

export function createGovApplication(options: GovApplicationOptions = {}): Application {
  const checkMode = options.checkTx ?? 'full'
  return {
    name: APPLICATION_NAME,

    async initGenesis(genesis: Genesis, state: StateWriter): Promise<void> {
      await initAppGenesis(genesis, state)
    },

    async checkTx(tx, state, ctx): Promise<void> {
      // ctx.height is the next block's height (Chain.checkTx passes head + 1). Time is not known
      // before inclusion; no rule depends on it (validity is by height), history is not kept.
      await execute(tx, { height: ctx.height, timeMs: 0 }, new ScratchState(state), checkMode)
    },

    deliverTx(tx: Transaction, ctx: BlockContext, state: StateWriter): Promise<Receipt> {
      return execute(tx, ctx, state, 'full')
    },

    async endBlock(ctx: BlockContext, state: StateWriter): Promise<EndBlockResult> {
      const change: ChangeContext = {
        state,
        height: ctx.height,
        timeMs: ctx.timeMs,
        action: 'gov.expire',
        actor: null,
        txHash: null,
        events: [],
      }
      await expireProposals(change)
      const pending = await getPending(state)
      if (!pending.validators && !pending.members) return {}
      clearPending(state)
      const result: { validators?: EndBlockResult['validators']; members?: EndBlockResult['members'] } = {}
      if (pending.validators) {
        result.validators = (await getValidators(state)).map((v) => ({
          publicKey: v.publicKey,
          power: v.power,
        }))
      }
      if (pending.members) result.members = await activeMembers(state)
      return result
    },

    query(path, params, state) {
      return runQuery(path, params, state)
    },
  }
}
