import { describe, expect, it } from 'vitest'
import { defaultConfig, parseConfig } from '../../src/config.js'
import { DEFAULT_TX_BATCHING } from '../../src/p2p/gossip.js'

const base = () => JSON.parse(JSON.stringify(defaultConfig({ name: 'n', org: 'o', p2pPort: 1, apiPort: 2 })))

describe('parseConfig: p2p.txBatchDelayMs', () => {
  it('round-trips a default config', () => {
    const config = defaultConfig({ name: 'n', org: 'o', p2pPort: 1, apiPort: 2 })
    expect(parseConfig(base())).toEqual(config)
    expect(config.p2p.txBatchDelayMs).toBe(DEFAULT_TX_BATCHING.maxDelayMs)
  })

  it('takes the default when the field is absent (configs written before it existed)', () => {
    const json = base()
    delete json.p2p.txBatchDelayMs
    expect(parseConfig(json).p2p.txBatchDelayMs).toBe(DEFAULT_TX_BATCHING.maxDelayMs)
  })

  it.each([0, 1, 250, 10_000])('accepts %s ms', (ms) => {
    const json = base()
    json.p2p.txBatchDelayMs = ms
    expect(parseConfig(json).p2p.txBatchDelayMs).toBe(ms)
  })

  it.each([[-1], [10_001], ['100'], [null], [Number.NaN]])('refuses %s with CONFIG_INVALID', (value) => {
    const json = base()
    json.p2p.txBatchDelayMs = value
    expect(() => parseConfig(json)).toThrow(
      expect.objectContaining({
        code: 'CONFIG_INVALID',
        message: expect.stringContaining('p2p.txBatchDelayMs'),
      }),
    )
  })
})

describe('parseConfig: faults', () => {
  it('injects none when the section is absent (every generated config)', () => {
    expect(parseConfig(base()).faults).toBeUndefined()
  })

  it.each([
    [{ dropTxGossip: true }, { dropTxGossip: true }],
    [{ dropTxGossip: false }, { dropTxGossip: false }],
    [{}, { dropTxGossip: false }],
  ])('reads %j as %j', (faults, expected) => {
    const json = base()
    json.faults = faults
    expect(parseConfig(json).faults).toEqual(expected)
  })

  it.each([
    ['a misspelt fault', { dropTxGosip: true }, 'faults.dropTxGosip is not a fault'],
    ['a value that is not a boolean', { dropTxGossip: 'yes' }, 'faults.dropTxGossip must be true or false'],
    ['a section that is not an object', [], 'faults must be an object'],
  ])('refuses %s with CONFIG_INVALID', (_what, faults, message) => {
    const json = base()
    json.faults = faults
    expect(() => parseConfig(json)).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID', message: expect.stringContaining(message) }),
    )
  })
})
