/** A real libp2p host on loopback that admits only the given member peers (unit tests). */
import { DEFAULT_CHAIN_PARAMS } from '@govchain/ledger'
import { silentLogger, type Logger } from '../../src/logger.js'
import { createHost, nodePrivateKey, peerIdOfSeed, type Host } from '../../src/p2p/host.js'
import { MemberGater } from '../../src/p2p/member-gater.js'
import { PeerScores } from '../../src/p2p/peer-scores.js'
import type { SyncSource } from '../../src/p2p/sync-protocol.js'

const EMPTY_SOURCE: SyncSource = {
  height: () => 0,
  headHash: () => new Uint8Array(32),
  blockWithCertificate: async () => undefined,
}

/** Started; its sync protocol serves `source` (default: an empty chain) for `chainId`. */
export async function memberHost(
  seed: Uint8Array,
  members: string[],
  opts: { chainId: string; source?: SyncSource; logger?: Logger },
): Promise<Host> {
  const gater = new MemberGater(await peerIdOfSeed(seed))
  gater.setMembers([{ id: 'm', name: 'm', roles: [], peerIds: members }])
  const h = await createHost({
    privateKey: await nodePrivateKey(seed),
    listen: ['/ip4/127.0.0.1/tcp/0'],
    gater,
    maxGossipBytes: 1 << 20,
    sync: {
      chainId: opts.chainId,
      params: DEFAULT_CHAIN_PARAMS,
      scores: new PeerScores(() => {}, { disconnectThreshold: -1000, recoveryPerSecond: 0, banMs: 1 }),
      logger: opts.logger ?? silentLogger(),
      source: opts.source ?? EMPTY_SOURCE,
    },
  })
  await h.start()
  return h
}
