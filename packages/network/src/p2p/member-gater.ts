/**
 * The connection gater of a permissioned network: only peer ids of current members connect, in
 * or out, and only after the Noise handshake has proved the peer id (stack.md pitfall 6). The
 * allow-list follows the membership committed on chain: the node calls `setMembers` after every
 * commit, and connections to removed members are closed.
 */
import type { ConnectionGater, PeerId } from '@libp2p/interface'
import type { Member } from '@govchain/ledger'

export class MemberGater {
  #allowed = new Set<string>()
  readonly #self: string
  readonly #isBanned: (peerId: string) => boolean
  /** Counts refusals (metrics, tests). */
  refused = 0

  readonly #onRefused: (peerId: string) => void

  constructor(
    self: string,
    isBanned: (peerId: string) => boolean = () => false,
    onRefused: (peerId: string) => void = () => {},
  ) {
    this.#self = self
    this.#isBanned = isBanned
    this.#onRefused = onRefused
  }

  /** Replaces the allow-list; returns the peer ids that were removed. */
  setMembers(members: readonly Member[]): string[] {
    const next = new Set(members.flatMap((m) => m.peerIds))
    next.delete(this.#self)
    const removed = [...this.#allowed].filter((p) => !next.has(p))
    this.#allowed = next
    return removed
  }

  isMember(peerId: string): boolean {
    return this.#allowed.has(peerId)
  }

  allows(peerId: string): boolean {
    return this.#allowed.has(peerId) && !this.#isBanned(peerId)
  }

  get memberPeerIds(): string[] {
    return [...this.#allowed]
  }

  #deny(peerId: PeerId): boolean {
    const id = peerId.toString()
    if (this.allows(id)) return false
    this.refused++
    this.#onRefused(id)
    return true
  }

  /** The libp2p `connectionGater` option. */
  gater(): ConnectionGater {
    return {
      denyDialPeer: async (peerId) => this.#deny(peerId),
      denyInboundEncryptedConnection: async (peerId) => this.#deny(peerId),
      denyOutboundEncryptedConnection: async (peerId) => this.#deny(peerId),
      denyInboundUpgradedConnection: async (peerId) => this.#deny(peerId),
      denyOutboundUpgradedConnection: async (peerId) => this.#deny(peerId),
    }
  }
}
