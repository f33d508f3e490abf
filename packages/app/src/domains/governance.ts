/**
 * Governance by the member organisations. A governance delegate proposes a change (add / remove
 * a member, give a member an admin account, change a member's roles, replace the validator set)
 * with a deadline height; the active members at that moment are the voters, one vote each (cast
 * by any of its governance delegates). The proposal is approved when yes-votes > 2/3 of the
 * voters, and executed in the same transaction as the deciding vote; it is rejected as soon as
 * enough "no" votes make that impossible, and expires in endBlock at its deadline height (votes at
 * the deadline count).
 *
 * Every change is checked when proposed AND again when executed (the chain may have changed in
 * between): members must exist / not exist, validator keys must be acceptable, and no change may
 * leave fewer than MIN_VALIDATORS validators (APP_TOO_FEW_VALIDATORS). An approved change that is
 * no longer valid is recorded as `failed` with the refusing code. Executed changes are written
 * at once and reported by endBlock (new validators take effect at H+2, members at once).
 */
import {
  compareBytes,
  isGovchainError,
  ValidatorSet,
  type Member,
  type StateReader,
  type StateWriter,
} from '@govchain/ledger'
import { AppError, AppErrorCode, isAppError } from '../errors.js'
import {
  assertRecordIdFree,
  getAccount,
  getActiveMemberIds,
  getConfig,
  getMember,
  getOpenProposalIds,
  getRecord,
  getValidators,
  markPending,
  putAccount,
  putActiveMemberIds,
  putMember,
  putOpenProposalIds,
  putValidators,
  requireRecord,
} from '../store.js'
import type { TxType } from '../tx-types.js'
import type { AccountRecord, MemberRecord, ProposalAction, ProposalRecord, ValidatorEntry } from '../types.js'
import {
  createRecord,
  forbidden,
  requireAcceptableKey,
  updateRecord,
  type ChangeContext,
  type Handler,
} from './context.js'

export const MIN_VALIDATORS = 4
export const MAX_OPEN_PROPOSALS = 64

/** What an executed proposal writes. */
type ChainChange = {
  readonly members: readonly MemberRecord[]
  readonly accounts: readonly AccountRecord[]
  readonly activeIds: readonly string[] | null
  readonly validators: readonly ValidatorEntry[] | null
}

function invalid(message: string): AppError {
  return new AppError(AppErrorCode.INVALID_PROPOSAL, message)
}

async function requireActiveMember(state: StateReader, id: string): Promise<MemberRecord> {
  const member = await getMember(state, id)
  if (member === undefined || member.status !== 'active') throw invalid(`${id} is not an active member`)
  return member
}

function checkValidatorCount(validators: readonly ValidatorEntry[]): void {
  if (validators.length < MIN_VALIDATORS) {
    throw new AppError(
      AppErrorCode.TOO_FEW_VALIDATORS,
      `the change would leave ${validators.length} validators; at least ${MIN_VALIDATORS} are required`,
      { validators: validators.length, minimum: MIN_VALIDATORS },
    )
  }
}

/**
 * An admin account that governance gives a member (roles admin + governance-delegate): a new
 * member's first, or a member's way back in after it lost or revoked every admin key it had.
 */
async function newAdminAccount(
  state: StateReader,
  memberId: string,
  admin: { readonly name: string; readonly publicKey: Uint8Array },
  height: number,
): Promise<AccountRecord> {
  requireAcceptableKey(admin.publicKey, 'admin key')
  if ((await getAccount(state, admin.publicKey)) !== undefined) {
    throw invalid(`the admin key is already registered`)
  }
  return {
    publicKey: admin.publicKey,
    member: memberId,
    name: admin.name,
    roles: ['admin', 'governance-delegate'],
    status: 'active',
    createdHeight: height,
    updatedHeight: height,
    rotatedFrom: null,
    rotatedTo: null,
  }
}

/** Checks a proposed change against the current state and computes what it would write. */
export async function planChange(
  state: StateReader,
  action: ProposalAction,
  height: number,
): Promise<ChainChange> {
  const activeIds = await getActiveMemberIds(state)
  switch (action.type) {
    case 'add-member': {
      const spec = action.member
      // A removed member's id is not reused: its old accounts would come back to life.
      if ((await getMember(state, spec.id)) !== undefined) throw invalid(`member id ${spec.id} is taken`)
      const admin = await newAdminAccount(state, spec.id, action.admin, height)
      for (const id of activeIds) {
        const other = await getMember(state, id)
        const clash = other?.peerIds.find((p) => spec.peerIds.includes(p))
        if (clash !== undefined) throw invalid(`peer id ${clash} already belongs to ${id}`)
      }
      const member: MemberRecord = { ...spec, status: 'active', updatedHeight: height }
      return { members: [member], accounts: [admin], activeIds: [...activeIds, spec.id], validators: null }
    }
    case 'remove-member': {
      const member = await requireActiveMember(state, action.memberId)
      const validators = await getValidators(state)
      const remaining = validators.filter((v) => v.member !== member.id)
      if (remaining.length !== validators.length) checkValidatorCount(remaining)
      return {
        members: [{ ...member, status: 'removed', updatedHeight: height }],
        accounts: [],
        activeIds: activeIds.filter((id) => id !== member.id),
        validators: remaining.length !== validators.length ? remaining : null,
      }
    }
    case 'add-admin': {
      const member = await requireActiveMember(state, action.memberId)
      const admin = await newAdminAccount(state, member.id, action.admin, height)
      return { members: [], accounts: [admin], activeIds: null, validators: null }
    }
    case 'set-member-roles': {
      const member = await requireActiveMember(state, action.memberId)
      return {
        members: [{ ...member, roles: action.roles, updatedHeight: height }],
        accounts: [],
        activeIds: null,
        validators: null,
      }
    }
    case 'set-validators': {
      for (const v of action.validators) {
        requireAcceptableKey(v.publicKey, `validator ${v.name} key`)
        await requireActiveMember(state, v.member)
      }
      checkValidatorCount(action.validators)
      try {
        new ValidatorSet(action.validators)
      } catch (e) {
        throw invalid(isGovchainError(e) ? e.message : 'invalid validator set')
      }
      const sorted = [...action.validators].sort((a, b) => compareBytes(a.publicKey, b.publicKey))
      return { members: [], accounts: [], activeIds: null, validators: sorted }
    }
  }
}

async function applyChange(ctx: ChangeContext, change: ChainChange): Promise<void> {
  for (const m of change.members) putMember(ctx.state, m)
  for (const a of change.accounts) putAccount(ctx.state, a)
  if (change.activeIds !== null) putActiveMemberIds(ctx.state, change.activeIds)
  if (change.validators !== null) putValidators(ctx.state, change.validators)
  const members = change.members.length > 0 || change.activeIds !== null
  await markPending(ctx.state, { members, validators: change.validators !== null })
  if (members) ctx.events.push({ type: 'gov.members-changed', attributes: {} })
  if (change.validators !== null) {
    ctx.events.push({
      type: 'gov.validators-changed',
      attributes: { count: String(change.validators.length), effectiveHeight: String(ctx.height + 2) },
    })
  }
}

async function closeProposal(state: StateWriter, id: string): Promise<void> {
  putOpenProposalIds(
    state,
    (await getOpenProposalIds(state)).filter((x) => x !== id),
  )
}

export const govPropose: Handler<typeof TxType.govPropose> = async (ctx, p) => {
  const { maxVotingPeriod } = await getConfig(ctx.state)
  if (p.deadlineHeight <= ctx.height || p.deadlineHeight > ctx.height + maxVotingPeriod) {
    throw new AppError(
      AppErrorCode.BAD_HEIGHT,
      `deadline must be within [${ctx.height + 1}, ${ctx.height + maxVotingPeriod}]`,
    )
  }
  await assertRecordIdFree(ctx.state, p.recordId)
  const open = await getOpenProposalIds(ctx.state)
  if (open.length >= MAX_OPEN_PROPOSALS) {
    throw new AppError(AppErrorCode.LIMIT_REACHED, `at most ${MAX_OPEN_PROPOSALS} proposals may be open`)
  }
  await planChange(ctx.state, p.action, ctx.height)
  const record = createRecord<ProposalRecord>(
    ctx,
    {
      type: 'proposal',
      id: p.recordId,
      owner: ctx.actor.member.id,
      status: 'open',
      action: p.action,
      deadlineHeight: p.deadlineHeight,
      document: p.document,
      voters: await getActiveMemberIds(ctx.state),
      votes: {},
      decidedHeight: null,
      failure: null,
    },
    { action: p.action.type, deadlineHeight: p.deadlineHeight },
  )
  putOpenProposalIds(ctx.state, [...open, record.id])
  return { recordId: record.id, status: record.status }
}

/** Approval needs yes-votes from more than 2/3 of the voters. */
export function isApproved(yes: number, voters: number): boolean {
  return 3 * yes > 2 * voters
}

export const govVote: Handler<typeof TxType.govVote> = async (ctx, p) => {
  const proposal = await requireRecord(ctx.state, p.recordId, 'proposal')
  if (proposal.status !== 'open' || ctx.height > proposal.deadlineHeight) {
    throw new AppError(
      AppErrorCode.PROPOSAL_CLOSED,
      `proposal ${proposal.id} is ${proposal.status === 'open' ? 'past its deadline' : proposal.status}`,
      {
        recordId: proposal.id,
        status: proposal.status,
      },
    )
  }
  const voter = ctx.actor.member.id
  if (!proposal.voters.includes(voter))
    throw forbidden(`${voter} was not a member when proposal ${proposal.id} was made`)
  if (Object.hasOwn(proposal.votes, voter)) {
    throw new AppError(AppErrorCode.ALREADY_VOTED, `${voter} already voted on proposal ${proposal.id}`)
  }
  const votes = { ...proposal.votes, [voter]: p.vote }
  let record = updateRecord(ctx, proposal, { votes }, { vote: p.vote, member: voter })
  const tally = Object.values(votes)
  const yes = tally.filter((v) => v === 'yes').length
  const no = tally.length - yes
  const n = proposal.voters.length
  if (isApproved(yes, n)) {
    const decide = { ...ctx, action: 'gov.execute' }
    try {
      const change = await planChange(ctx.state, proposal.action, ctx.height)
      await applyChange(decide, change)
      record = updateRecord(decide, record, { status: 'executed', decidedHeight: ctx.height })
    } catch (e) {
      if (!isAppError(e)) throw e
      record = updateRecord(
        decide,
        record,
        { status: 'failed', decidedHeight: ctx.height, failure: e.code },
        { failure: e.code },
      )
    }
    await closeProposal(ctx.state, proposal.id)
  } else if (!isApproved(n - no, n)) {
    record = updateRecord({ ...ctx, action: 'gov.reject' }, record, {
      status: 'rejected',
      decidedHeight: ctx.height,
    })
    await closeProposal(ctx.state, proposal.id)
  }
  return { recordId: record.id, status: record.status, yes, no, voters: n }
}

/** endBlock: proposals still open at their deadline height expire. */
export async function expireProposals(ctx: ChangeContext): Promise<void> {
  const open = await getOpenProposalIds(ctx.state)
  const remaining: string[] = []
  for (const id of open) {
    const record = await getRecord(ctx.state, id)
    if (record?.type !== 'proposal' || record.status !== 'open') continue
    if (ctx.height >= record.deadlineHeight) {
      updateRecord(ctx, record, { status: 'expired', decidedHeight: ctx.height })
    } else {
      remaining.push(id)
    }
  }
  if (remaining.length !== open.length) putOpenProposalIds(ctx.state, remaining)
}

/** The ledger's view of the active members (for EndBlockResult.members). */
export async function activeMembers(state: StateReader): Promise<Member[]> {
  const out: Member[] = []
  for (const id of await getActiveMemberIds(state)) {
    const m = await getMember(state, id)
    if (m !== undefined) out.push({ id: m.id, name: m.name, roles: m.roles, peerIds: m.peerIds })
  }
  return out
}
