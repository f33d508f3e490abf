/** Every transaction type the government-services application understands (`tx.type`). */
export const TxType = {
  // organisations and accounts
  accountRegister: 'account.register',
  accountRotateKey: 'account.rotate-key',
  accountRevoke: 'account.revoke',
  accountSetRoles: 'account.set-roles',
  agencyDefineKind: 'agency.define-kind',
  // licences and permits
  licenceApply: 'licence.apply',
  licenceApprove: 'licence.approve',
  licenceReject: 'licence.reject',
  licenceIssue: 'licence.issue',
  licenceSuspend: 'licence.suspend',
  licenceReinstate: 'licence.reinstate',
  licenceRevoke: 'licence.revoke',
  // certificates
  certificateIssue: 'certificate.issue',
  certificateAmend: 'certificate.amend',
  certificateRevoke: 'certificate.revoke',
  // supply-chain finance
  invoiceRegister: 'invoice.register',
  invoiceFinance: 'invoice.finance',
  invoiceSettle: 'invoice.settle',
  invoiceCancel: 'invoice.cancel',
  // loans
  loanApply: 'loan.apply',
  loanApprove: 'loan.approve',
  loanReject: 'loan.reject',
  loanDisburse: 'loan.disburse',
  loanRepay: 'loan.repay',
  loanClose: 'loan.close',
  // subsidies
  subsidyCreateProgramme: 'subsidy.create-programme',
  subsidyRegisterBeneficiary: 'subsidy.register-beneficiary',
  subsidyGrant: 'subsidy.grant',
  subsidyDisburse: 'subsidy.disburse',
  // privacy and auditing
  recordErase: 'record.erase',
  auditNote: 'audit.note',
  // governance
  govPropose: 'gov.propose',
  govVote: 'gov.vote',
} as const
export type TxType = (typeof TxType)[keyof typeof TxType]

export const TX_TYPES: readonly TxType[] = Object.freeze(Object.values(TxType))

const TX_TYPE_SET: ReadonlySet<string> = new Set(TX_TYPES)

export function isTxType(type: string): type is TxType {
  return TX_TYPE_SET.has(type)
}
