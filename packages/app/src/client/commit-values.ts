/**
 * Personal data → the commitments a payload carries, with a fresh salt per field, plus the
 * disclosures (value + salt) the organisation keeps off chain and may hand to the citizen.
 * (An organisation running a node keeps them in its `OffchainStore`; scripts keep them here.)
 */
import { commitField, randomSalt, type Disclosure } from '../commitments.js'
import type { Commitments } from '../types.js'

export function commitValues(
  recordId: string,
  values: Readonly<Record<string, string>>,
): { fields: Commitments; disclosures: Disclosure[] } {
  const fields: Record<string, Uint8Array> = {}
  const disclosures: Disclosure[] = []
  for (const [field, value] of Object.entries(values)) {
    const salt = randomSalt()
    fields[field] = commitField(recordId, field, salt, value)
    disclosures.push({ recordId, field, value, salt })
  }
  return { fields, disclosures }
}
